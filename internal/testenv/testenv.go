// Package testenv runs the embedded Temporal server that a package's tests
// share: one per test binary, started by the first test that needs it and
// stopped by Main once the tests are done. Only tests import it. What a
// package runs on the server (its workers, functions and gateways) stays in
// that package's tests and is handed to OnStop.
//
// devserver's own tests cannot use it (testenv imports devserver) and need
// servers with options of their own anyway; cmd/fnflow's tests run the
// real commands, which start their own servers.
//
// With FNFLOW_TEST_TEMPORAL_ADDRESS set (and FNFLOW_TEST_NAMESPACE, default
// "default"), the environment is that server's instead of an embedded one,
// with fnflow's search attributes added: that is how the benchmarks run
// against the production shape (bench/postgres.sh). Tests assume a server of
// their own; point only benchmarks at a shared one.
package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"

	"github.com/fnflow/fnflow/devserver"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/searchattrs"
	"github.com/fnflow/fnflow/internal/token"
)

// Env is the shared server as tests reach it.
type Env struct {
	// Client uses fnflow's payload converter, as the worker and the gateway
	// do, so tests read and write payloads the way they do.
	Client    client.Client
	Namespace string
	// Signer signs the callback tokens of every worker the tests start, so
	// that a token minted by one can be opened by any test.
	Signer *token.Signer
	// Logger discards: tests check behaviour, and a server and its workers
	// would bury a failure's output under their logs.
	Logger *slog.Logger
}

// signingKey is the tests' token key; any 32 bytes do.
const signingKey = "fnflow test environment key, 32+"

var (
	once     sync.Once
	env      *Env
	startErr error

	mu sync.Mutex
	// stops undoes what was started, in the order it was started.
	stops []func()
)

// Start returns the shared environment, starting the server on first use.
// It fails tb if the server cannot start, and every later caller too.
func Start(tb testing.TB) *Env {
	tb.Helper()
	once.Do(func() { env, startErr = start() })
	if startErr != nil {
		tb.Fatalf("starting the tests' Temporal server: %v", startErr)
	}
	return env
}

// start runs devserver with its defaults, tuned as `fnflow dev` is, on a
// fresh data directory, or reaches FNFLOW_TEST_TEMPORAL_ADDRESS.
func start() (*Env, error) {
	address, namespace := os.Getenv("FNFLOW_TEST_TEMPORAL_ADDRESS"), os.Getenv("FNFLOW_TEST_NAMESPACE")
	external := address != ""
	if !external {
		dir, err := os.MkdirTemp("", "fnflow-test")
		if err != nil {
			return nil, err
		}
		OnStop(func() { os.RemoveAll(dir) })
		srv, err := devserver.Start(context.Background(), devserver.Options{DataDir: dir, SearchAttributes: searchattrs.All()})
		if err != nil {
			return nil, err
		}
		OnStop(func() { _ = srv.Stop() })
		address, namespace = srv.FrontendAddress(), srv.Namespace()
	}
	if namespace == "" {
		namespace = "default"
	}
	quiet := slog.New(slog.DiscardHandler)
	c, err := client.Dial(client.Options{
		HostPort:      address,
		Namespace:     namespace,
		Logger:        temporallog.NewStructuredLogger(quiet),
		DataConverter: payload.Converter,
	})
	if err != nil {
		return nil, fmt.Errorf("dialing the server at %s: %w", address, err)
	}
	OnStop(c.Close)
	if external {
		// devserver registered them on the embedded one.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := devserver.EnsureSearchAttributes(ctx, c, namespace, searchattrs.All()); err != nil {
			return nil, err
		}
	}
	signer, err := token.NewSigner([]byte(signingKey))
	if err != nil {
		return nil, err
	}
	return &Env{Client: c, Namespace: namespace, Signer: signer, Logger: quiet}, nil
}

// OnStop has f run when the tests are done, before everything registered
// earlier: a package's workers and servers stop while the client and the
// server they use still run.
func OnStop(f func()) {
	mu.Lock()
	defer mu.Unlock()
	stops = append(stops, f)
}

// Main runs the tests, stops whatever they started, and exits with their
// result. A package's TestMain calls it.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

func stop() {
	mu.Lock()
	defer mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}
