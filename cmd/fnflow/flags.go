package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/worker"
)

// parseFlags parses args, then fills every flag not given on the command line
// from its environment variable FNFLOW_<NAME> (dashes become underscores).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var problems []error
	fs.VisitAll(func(f *flag.Flag) {
		value, ok := os.LookupEnv(envName(f.Name))
		if given[f.Name] || !ok {
			return
		}
		if err := fs.Set(f.Name, value); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", envName(f.Name), err))
		}
	})
	return errors.Join(problems...)
}

func envName(flagName string) string {
	return "FNFLOW_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage mentions the environment.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fnflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fnflow %s [flags]\n\n%s\n\nFlags (each also FNFLOW_<FLAG>, e.g. %s):\n", name, summary, envName("log-level"))
		fs.PrintDefaults()
	}
	return fs
}

// temporalFlags are the flags of the commands that reach an existing Temporal.
type temporalFlags struct {
	config    worker.TemporalConfig
	taskQueue string
	tokenKey  string
}

func (t *temporalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.config.Address, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&t.config.Namespace, "namespace", "default", "Temporal namespace")
	fs.StringVar(&t.config.TLSCert, "tls-cert", "", "client certificate (PEM) for mTLS")
	fs.StringVar(&t.config.TLSKey, "tls-key", "", "client key (PEM) for mTLS")
	fs.StringVar(&t.config.TLSCA, "tls-ca", "", "CA certificate (PEM) to trust instead of the system roots")
	fs.StringVar(&t.config.TLSServerName, "tls-server-name", "", "server name to verify (turns TLS on)")
	fs.StringVar(&t.config.APIKey, "api-key", "", "Temporal Cloud API key (turns TLS on)")
	fs.StringVar(&t.taskQueue, "task-queue", worker.DefaultTaskQueue, "task queue of flow executions")
	fs.StringVar(&t.tokenKey, "token-key", "", "key that signs callback tokens, base64 or hex, at least 32 bytes; the same on every worker and gateway (required)")
}

func (t *temporalFlags) signer() (*token.Signer, error) {
	if t.tokenKey == "" {
		return nil, errors.New("--token-key (or FNFLOW_TOKEN_KEY) is required: generate one with `head -c 32 /dev/urandom | base64` and give every worker and gateway the same")
	}
	key, err := token.ParseKey(t.tokenKey)
	if err != nil {
		return nil, fmt.Errorf("--token-key: %w", err)
	}
	return token.NewSigner(key)
}

// newLogger logs text on a terminal and JSON elsewhere.
func newLogger(stderr io.Writer, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if f, ok := stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(stderr, opts)), nil
		}
	}
	return slog.New(slog.NewJSONHandler(stderr, opts)), nil
}
