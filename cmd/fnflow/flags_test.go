package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/devserver"
	"github.com/fnflow/fnflow/devserver/freeport"
	"github.com/fnflow/fnflow/internal/searchattrs"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
)

const testTokenKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, base64

func writeSecret(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clearEnvironment unsets every FNFLOW_ variable for the test, and points
// HOME at an empty directory, so that neither the shell running it nor a
// ~/.fnflow/profile changes what the commands see.
func clearEnvironment(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "FNFLOW_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// loadTemporalFlags parses args and env as `fnflow worker` would and loads
// the result.
func loadTemporalFlags(t *testing.T, args []string, env map[string]string) (*temporalFlags, error) {
	t.Helper()
	clearEnvironment(t)
	for name, value := range env {
		t.Setenv(name, value)
	}
	var tf temporalFlags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	tf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		t.Fatalf("parsing %v: %v", args, err)
	}
	config, signer, err := tf.load()
	if err == nil {
		tf.config = config
		// The signer must be the one of testTokenKey: its tokens open with it.
		key, _ := token.ParseKey(testTokenKey)
		want, _ := token.NewSigner(key)
		if _, err := want.Open(signer.Sign([]byte("task"))); err != nil {
			t.Errorf("%v %v: the token key is not the one given: %v", args, env, err)
		}
	}
	return &tf, err
}

func TestTokenKeyFromFlagEnvironmentOrFile(t *testing.T) {
	file := writeSecret(t, "\n  "+testTokenKey+"\n")
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"flag":                      {args: []string{"--token-key", testTokenKey}},
		"environment":               {env: map[string]string{"FNFLOW_TOKEN_KEY": testTokenKey}},
		"file":                      {args: []string{"--token-key-file", file}},
		"file from the environment": {env: map[string]string{"FNFLOW_TOKEN_KEY_FILE": file}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := loadTemporalFlags(t, c.args, c.env); err != nil {
				t.Errorf("want the key accepted, got %v", err)
			}
		})
	}
}

func TestSecretsRefuseAmbiguityAndEmptiness(t *testing.T) {
	file := writeSecret(t, testTokenKey)
	empty := writeSecret(t, " \n")
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"value and file":                    {args: []string{"--token-key", testTokenKey, "--token-key-file", file}, want: "--token-key (FNFLOW_TOKEN_KEY) and --token-key-file (FNFLOW_TOKEN_KEY_FILE) are both set"},
		"value in the environment and file": {args: []string{"--token-key-file", file}, env: map[string]string{"FNFLOW_TOKEN_KEY": testTokenKey}, want: "are both set"},
		"empty file":                        {args: []string{"--token-key-file", empty}, want: "is empty"},
		"missing file":                      {args: []string{"--token-key-file", filepath.Join(t.TempDir(), "none")}, want: "reading --token-key-file"},
		"no key at all":                     {want: "--token-key (or FNFLOW_TOKEN_KEY, or --token-key-file) is required"},
		"API key twice":                     {args: []string{"--token-key", testTokenKey, "--api-key", "k", "--api-key-file", file}, want: "--api-key (FNFLOW_API_KEY) and --api-key-file"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadTemporalFlags(t, c.args, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want an error saying %q, got %v", c.want, err)
			}
			if err != nil && strings.Contains(err.Error(), testTokenKey) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestAPIKeyFromFile(t *testing.T) {
	tf, err := loadTemporalFlags(t, []string{"--token-key", testTokenKey, "--api-key-file", writeSecret(t, "cloud-key\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tf.config.APIKey != "cloud-key" {
		t.Errorf("want the API key from the file, got %q", tf.config.APIKey)
	}
}

// The commands report what is wrong with their flags and stop before they
// reach Temporal or start anything.
func TestCommandsReportUsageErrors(t *testing.T) {
	dataDir := t.TempDir()
	for name, c := range map[string]struct {
		command    func(context.Context, []string, io.Writer, io.Writer) int
		args       []string
		env        map[string]string
		wantStatus int
		want       string
	}{
		"help":                                   {command: runWorker, args: []string{"-h"}, wantStatus: 0, want: "--token-key-file"},
		"bad log level":                          {command: runWorker, args: []string{"--log-level", "loud", "--token-key", testTokenKey}, wantStatus: 2, want: "fnflow worker: --log-level"},
		"bad environment":                        {command: runDev, env: map[string]string{"FNFLOW_UI_PORT": "abc"}, wantStatus: 2, want: `fnflow dev: invalid value "abc" for FNFLOW_UI_PORT`},
		"hand-off timeout zero":                  {command: runWorker, args: []string{"--handoff-timeout", "0", "--token-key", testTokenKey}, wantStatus: 2, want: `invalid value "0" for flag -handoff-timeout: must be positive`},
		"workflow cache of none":                 {command: runWorker, args: []string{"--workflow-cache-size", "0", "--token-key", testTokenKey}, wantStatus: 2, want: `invalid value "0" for flag -workflow-cache-size: must be at least 1`},
		"no signature nonces":                    {command: runGateway, args: []string{"--max-signature-nonces", "0", "--token-key", testTokenKey}, wantStatus: 2, want: `invalid value "0" for flag -max-signature-nonces: must be at least 1`},
		"hand-off timeout negative":              {command: runDev, env: map[string]string{"FNFLOW_HANDOFF_TIMEOUT": "-1s"}, wantStatus: 2, want: `fnflow dev: invalid value "-1s" for FNFLOW_HANDOFF_TIMEOUT: must be positive`},
		"step data limit without a unit we know": {command: runWorker, args: []string{"--max-step-data", "32KB", "--token-key", testTokenKey}, wantStatus: 2, want: `invalid value "32KB" for flag -max-step-data: must be a size such as 32768, 32KiB or 1MiB, or 0 for no limit`},
		"step data limit negative":               {command: runDev, env: map[string]string{"FNFLOW_MAX_STEP_DATA": "-1"}, wantStatus: 2, want: `fnflow dev: invalid value "-1" for FNFLOW_MAX_STEP_DATA: must be a size`},
		"token key twice":                        {command: runGateway, args: []string{"--token-key", testTokenKey, "--token-key-file", writeSecret(t, testTokenKey)}, wantStatus: 2, want: "fnflow gateway: --token-key (FNFLOW_TOKEN_KEY) and --token-key-file"},
		"access keys twice":                      {command: runDev, args: []string{"--data-dir", dataDir, "--access-keys", "id:s", "--access-keys-file", writeSecret(t, "id:s")}, wantStatus: 2, want: "fnflow dev: --access-keys (FNFLOW_ACCESS_KEYS) and --access-keys-file"},
		"dev on every interface without keys": {command: runDev, args: []string{"--data-dir", dataDir, "--gateway-addr", "0.0.0.0:0"}, wantStatus: 2,
			want: "fnflow dev: refusing to serve the fnf API unauthenticated on 0.0.0.0:0 (--gateway-addr), which other machines can reach"},
		"gateway on every interface without keys": {command: runGateway, args: []string{"--token-key", testTokenKey, "--addr", ":8080"}, wantStatus: 2,
			want: "fnflow gateway: refusing to serve the fnf API unauthenticated on :8080 (--addr)"},
		"push key without its URL": {command: runWorker, args: []string{"--token-key", testTokenKey, "--push-key-file", writeSecret(t, "key")}, wantStatus: 2,
			want: "fnflow worker: --push-key-file needs --push-cert-url"},
		"push key that is none": {command: runGateway, args: []string{"--token-key", testTokenKey, "--push-key-file", writeSecret(t, "not a key")}, wantStatus: 2,
			want: "fnflow gateway: --push-key-file: reading the push signing key"},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnvironment(t)
			for name, value := range c.env {
				t.Setenv(name, value)
			}
			var stderr bytes.Buffer
			status := c.command(context.Background(), c.args, io.Discard, &stderr)
			if status != c.wantStatus || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("want exit %d saying %q, got %d:\n%s", c.wantStatus, c.want, status, stderr.String())
			}
		})
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) > 0 {
		t.Errorf("a refused fnflow dev must start nothing, but its data directory holds %v", entries)
	}
}

// A listening address that is taken fails fnflow gateway before it dials
// Temporal, which may wait for a server that is down.
func TestGatewayRefusesBusyAddress(t *testing.T) {
	clearEnvironment(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	nothing, err := freeport.ReserveLocal()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	status := runGateway(context.Background(), []string{"--token-key", testTokenKey, "--addr", busy.Addr().String(), "--temporal-address", nothing}, io.Discard, &stderr)
	if status != 1 || !strings.Contains(stderr.String(), "gateway: listen tcp "+busy.Addr().String()) {
		t.Errorf("want exit 1 saying the gateway's address is taken, got %d:\n%s", status, stderr.String())
	}
}

// --mns-group-sends is auto unless told: a gateway or worker on a namespace
// without the search attribute still starts, sending a workflow a message,
// and says so; on one with it, it groups. The flag alone means true: asked
// to group on a namespace without the attribute, a gateway or worker
// refuses to start, saying how to add it, instead of failing every grouped
// send later.
func TestGroupSendsDecidedAtStart(t *testing.T) {
	clearEnvironment(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bare, err := devserver.Start(ctx, devserver.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Stop()
	ready, err := devserver.Start(ctx, devserver.Options{DataDir: t.TempDir(), SearchAttributes: searchattrs.All()})
	if err != nil {
		t.Fatal(err)
	}
	defer ready.Stop()
	for name, c := range map[string]struct {
		run    func(ctx context.Context, args []string, stdout, stderr io.Writer) int
		args   []string
		server *devserver.Server
		says   string
	}{
		"gateway without the attribute": {runGateway, []string{"--addr", "127.0.0.1:0"}, bare, "MNS sends are not grouped"},
		"worker without the attribute":  {runWorker, nil, bare, "MNS sends are not grouped"},
		"gateway with it":               {runGateway, []string{"--addr", "127.0.0.1:0"}, ready, "MNS sends to a busy queue are grouped"},
		"worker with it, flag given":    {runWorker, []string{"--mns-group-sends"}, ready, "MNS sends to a busy queue are grouped"},
	} {
		t.Run(name, func(t *testing.T) {
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			logs := &syncBuffer{}
			args := append([]string{"--token-key", testTokenKey, "--temporal-address", c.server.FrontendAddress(), "--namespace", c.server.Namespace()}, c.args...)
			exited := make(chan int, 1)
			go func() { exited <- c.run(runCtx, args, io.Discard, logs) }()
			for !strings.Contains(logs.String(), c.says) {
				select {
				case status := <-exited:
					t.Fatalf("exited %d before saying %q:\n%s", status, c.says, logs.String())
				case <-runCtx.Done():
					t.Fatalf("never said %q:\n%s", c.says, logs.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			stop()
			if status := <-exited; status != 0 {
				t.Errorf("exit %d once stopped:\n%s", status, logs.String())
			}
		})
	}
	for name, run := range map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{"gateway": runGateway, "worker": runWorker} {
		t.Run(name+" told to group without the attribute", func(t *testing.T) {
			var stderr bytes.Buffer
			args := []string{"--token-key", testTokenKey, "--mns-group-sends", "--temporal-address", bare.FrontendAddress(), "--namespace", bare.Namespace()}
			if name == "gateway" {
				args = append(args, "--addr", "127.0.0.1:0")
			}
			status := run(ctx, args, io.Discard, &stderr)
			if status != 1 || !strings.Contains(stderr.String(), "temporal operator search-attribute create --namespace "+bare.Namespace()+" --name FnflowQueueMessages --type Int") {
				t.Errorf("want exit 1 naming the search attribute to create, got %d:\n%s", status, stderr.String())
			}
		})
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var mode groupSendsMode
	registerGroupSends(fs, &mode)
	for _, c := range []struct {
		args []string
		want groupSendsMode
	}{{nil, groupSendsAuto}, {[]string{"--mns-group-sends"}, groupSendsOn}, {[]string{"--mns-group-sends=false"}, groupSendsOff}, {[]string{"--mns-group-sends=AUTO"}, groupSendsAuto}} {
		mode = groupSendsAuto
		if err := fs.Parse(c.args); err != nil || mode != c.want {
			t.Errorf("%v: %q, %v; want %q", c.args, mode, err, c.want)
		}
	}
	if err := fs.Parse([]string{"--mns-group-sends=maybe"}); err == nil {
		t.Error("--mns-group-sends=maybe was accepted")
	}
}

func TestHandoffTimeout(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
		want time.Duration
	}{
		"default":     {want: interpreter.DefaultHandoffTimeout},
		"flag":        {args: []string{"--handoff-timeout", "90s"}, want: 90 * time.Second},
		"environment": {env: map[string]string{"FNFLOW_HANDOFF_TIMEOUT": "30s"}, want: 30 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnvironment(t)
			for name, value := range c.env {
				t.Setenv(name, value)
			}
			var timeout time.Duration
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			registerHandoffTimeout(fs, &timeout)
			if err := parseFlags(fs, c.args); err != nil {
				t.Fatal(err)
			}
			if timeout != c.want {
				t.Errorf("want %v, got %v", c.want, timeout)
			}
		})
	}
}

func TestMaxStepData(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
		want int
	}{
		"default":     {want: interpreter.DefaultMaxStepData},
		"bytes":       {args: []string{"--max-step-data", "1000"}, want: 1000},
		"bytes unit":  {args: []string{"--max-step-data", "1000B"}, want: 1000},
		"KiB":         {args: []string{"--max-step-data", "64KiB"}, want: 64 << 10},
		"MiB":         {env: map[string]string{"FNFLOW_MAX_STEP_DATA": "1MiB"}, want: 1 << 20},
		"no limit":    {args: []string{"--max-step-data", "0"}, want: interpreter.NoStepDataLimit},
		"environment": {env: map[string]string{"FNFLOW_MAX_STEP_DATA": "0KiB"}, want: interpreter.NoStepDataLimit},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnvironment(t)
			for name, value := range c.env {
				t.Setenv(name, value)
			}
			var limit int
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			registerMaxStepData(fs, &limit)
			if err := parseFlags(fs, c.args); err != nil {
				t.Fatal(err)
			}
			if limit != c.want {
				t.Errorf("want %d, got %d", c.want, limit)
			}
			if shown := fs.Lookup("max-step-data").Value.String(); name == "default" && shown != "32KiB" {
				t.Errorf("the default shows as %q, want 32KiB", shown)
			}
		})
	}
}
