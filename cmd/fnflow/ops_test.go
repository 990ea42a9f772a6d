package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fnflow/fnflow/fnfclient"
)

func TestAccessKeysFileTakesComments(t *testing.T) {
	for name, c := range map[string]struct {
		text    string
		want    map[string]string
		wantErr string
	}{
		"comments and blank lines":   {text: "# the deployment's keys\nid1:secret1\n\n   # rotated in March\nid2:secret2, id3:secret3\n", want: map[string]string{"id1": "secret1", "id2": "secret2", "id3": "secret3"}},
		"comments only":              {text: "# none yet\n", wantErr: "holds no keys"},
		"a bad line after a comment": {text: "# keys\nid1:secret1\nno-colon-secret\n", wantErr: "key 2 is not ID:SECRET"},
	} {
		t.Run(name, func(t *testing.T) {
			a := accessFlags{}
			a.keys.file = writeSecret(t, c.text)
			keys, err := a.read()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "secret1") || strings.Contains(err.Error(), "no-colon") {
					t.Errorf("want an error saying %q and no secret, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil || !maps.Equal(keys, c.want) {
				t.Errorf("got %v, %v; want %v", keys, err, c.want)
			}
		})
	}
}

// A stop lets a request in flight finish and answer, while new connections
// are refused from the moment it begins.
func TestStopLetsRequestsInFlightFinish(t *testing.T) {
	inFlight, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
		_, _ = w.Write([]byte("finished"))
	})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, serverURL, done, err := serveHTTP("gateway", "127.0.0.1:0", handler, logger)
	if err != nil {
		t.Fatal(err)
	}
	stopping := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(stopping) })
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get(serverURL + "/")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answered <- string(body)
	}()
	<-inFlight
	stopped := make(chan error, 1)
	go func() { stopped <- stopHTTP(srv, time.Minute, logger) }()
	<-stopping
	if conn, err := net.Dial("tcp", strings.TrimPrefix(serverURL, "http://")); err == nil {
		conn.Close()
		t.Error("a stopping gateway must not take new connections")
	}
	close(release)
	if got := <-answered; got != "finished" {
		t.Errorf("the request in flight must finish, got %q", got)
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop: %v", err)
	}
	<-done
}

// fnflow dev serves the gateway's and the worker's metrics on
// --metrics-addr.
func TestDevServesMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := devOptions{dataDir: t.TempDir(), gatewayAddr: "127.0.0.1:0", metrics: metricsFlags{addr: "127.0.0.1:0", waitingEvery: time.Hour}}
	stack, err := startLocal(ctx, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stack.stop()
	mustAPI(t, stack, "ListFlows", nil)
	scraped := scrape(t, stack.metrics.url)
	for _, want := range []string{
		`fnflow_gateway_requests_total{action="ListFlows",code="200"} 1`,
		`fnflow_worker_callback_handoffs_total{outcome="submitted"} 0`,
		`fnflow_callback_steps_waiting 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(scraped, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
}

// scrape reads a metrics listener's metrics.
func scrape(t *testing.T, metricsURL string) string {
	t.Helper()
	resp, err := http.Get(metricsURL + metricsPath)
	if err != nil {
		t.Fatalf("scraping %s: %v", metricsURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %d %s", metricsURL, resp.StatusCode, body)
	}
	return string(body)
}

// signal sends sig to the process.
func (fp *faultProcess) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if err := fp.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling the %s: %v", fp.role, err)
	}
}

// waitFor polls check until it is true or the time is up.
func waitFor(t *testing.T, what string, within time.Duration, check func() bool) {
	t.Helper()
	for end := time.Now().Add(within); !check(); {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAccessKeysReloadOnHangup runs `fnflow gateway` with an access keys
// file, rewrites the file and sends SIGHUP: the new keys sign, the old no
// longer do; a bad file then keeps the keys there were and is logged without
// what it holds.
func TestAccessKeysReloadOnHangup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := newFaultDeployment(t)
	keysFile := filepath.Join(d.dir, "access-keys")
	writeKeys := func(text string) {
		if err := os.WriteFile(keysFile, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeKeys("# the gateway's keys\nold-id:old-secret\n")
	gw := d.gateway(t, "gateway", "--access-keys-file", keysFile)
	d.server.start(t, ctx)
	gw.start(t, ctx)

	// signs reports whether a request signed with the key is let through.
	signs := func(id, secret string) bool {
		c := &fnfclient.Client{Endpoint: "http://" + gw.httpAddr, AccessKeyID: id, AccessKeySecret: secret}
		_, err := c.ListFlows(ctx, "")
		var apiErr *fnfclient.APIError
		if errors.As(err, &apiErr) && apiErr.Code == "InvalidAccessKeyID" {
			return false
		}
		if err != nil {
			t.Fatalf("ListFlows signed by %s: %v", id, err)
		}
		return true
	}
	if !signs("old-id", "old-secret") || signs("new-id", "new-secret") {
		t.Fatal("want the keys of the file at start, and only those")
	}

	writeKeys("new-id:new-secret\n")
	gw.signal(t, syscall.SIGHUP)
	waitFor(t, "the new key signs after SIGHUP", 10*time.Second, func() bool { return signs("new-id", "new-secret") })
	if signs("old-id", "old-secret") {
		t.Error("the key taken out of the file must no longer sign")
	}

	writeKeys("bad-line-holding-a-secret\n")
	gw.signal(t, syscall.SIGHUP)
	waitFor(t, "the bad file's reload is logged", 10*time.Second, func() bool {
		return strings.Contains(readFile(t, gw.log), "reloading the access keys failed")
	})
	if !signs("new-id", "new-secret") {
		t.Error("a bad file must leave the keys as they were")
	}
	if log := readFile(t, gw.log); strings.Contains(log, "bad-line-holding-a-secret") || strings.Contains(log, "new-secret") {
		t.Errorf("the log shows what the keys file holds:\n%s", log)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}
