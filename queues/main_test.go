package queues

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/testenv"
)

// TestMain stops the embedded server and the worker the tests started.
func TestMain(m *testing.M) { testenv.Main(m) }

const taskQueue = "queues-test"

var (
	workerOnce sync.Once
	workerErr  error
)

// newStore returns a Store on the shared embedded server, with the package's
// worker running on taskQueue.
func newStore(t *testing.T) *Store {
	t.Helper()
	env := testenv.Start(t)
	workerOnce.Do(func() {
		w := sdkworker.New(env.Client, taskQueue, sdkworker.Options{})
		Register(w, env.Client)
		if workerErr = w.Start(); workerErr == nil {
			testenv.OnStop(w.Stop)
		}
	})
	if workerErr != nil {
		t.Fatal(workerErr)
	}
	return New(env.Client, Config{Namespace: env.Namespace, TaskQueue: taskQueue, Handles: env.Signer, Identity: "queues-test", GroupSends: true})
}

// newQueue creates a queue of the test's own (testenv.ResourceName, with
// suffix, if a test needs more than one).
func newQueue(t *testing.T, s *Store, attrs AttributeChange, suffix ...string) string {
	t.Helper()
	name := testenv.ResourceName(t, strings.Join(suffix, ""))
	if _, err := s.CreateQueue(testContext(t), name, attrs); err != nil {
		t.Fatal(err)
	}
	return name
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// receiveOne receives exactly one message, waiting up to wait.
func receiveOne(t *testing.T, s *Store, queue string, wait time.Duration) Message {
	t.Helper()
	msgs, err := s.ReceiveMessages(testContext(t), queue, 1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

// receiveNone checks that no message is received within wait.
func receiveNone(t *testing.T, s *Store, queue string, wait time.Duration) {
	t.Helper()
	msgs, err := s.ReceiveMessages(testContext(t), queue, 16, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 0 {
		t.Fatalf("received %d messages (%+v), want none", len(msgs), msgs[0])
	}
}
