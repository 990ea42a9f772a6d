package topics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const taskQueue = "topics-test"

// config names a region and an account other than the defaults, so that the
// tests see them reach notifications.
var config = topics.Config{TaskQueue: taskQueue, Region: "cn-test", AccountID: "1234567890"}

// harness is what the tests share: a store, its client, and the worker's
// push signer, whose certificate a test server serves at its URL.
type harness struct {
	store  *topics.Store
	queues *queues.Store
	client client.Client
	signer *topics.PushSigner
}

var (
	harnessOnce sync.Once
	shared      *harness
	harnessErr  error
)

// setup returns the harness, starting the worker (with fast retries) on
// first use.
func setup(t *testing.T) *harness {
	t.Helper()
	env := testenv.Start(t)
	harnessOnce.Do(func() { shared, harnessErr = start(env) })
	if harnessErr != nil {
		t.Fatal(harnessErr)
	}
	return shared
}

func start(env *testenv.Env) (*harness, error) {
	h := &harness{
		store:  topics.New(env.Client, config),
		queues: queues.New(env.Client, queues.Config{Namespace: env.Namespace, TaskQueue: taskQueue, Handles: env.Signer, Identity: "topics-test"}),
		client: env.Client,
	}
	certServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(h.signer.CertificatePEM())
	}))
	testenv.OnStop(certServer.Close)
	dir, err := os.MkdirTemp("", "topics-test")
	if err != nil {
		return nil, err
	}
	testenv.OnStop(func() { os.RemoveAll(dir) })
	if h.signer, err = topics.LoadOrCreatePushSigner(dir, certServer.URL+"/mns-cert.pem"); err != nil {
		return nil, err
	}
	w := sdkworker.New(env.Client, taskQueue, sdkworker.Options{})
	topics.RegisterWithFastRetries(w, topics.Deps{Queues: h.queues, Signer: h.signer})
	queues.Register(w, env.Client)
	if err := w.Start(); err != nil {
		return nil, err
	}
	testenv.OnStop(w.Stop)
	return h, nil
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// received is one request a subscriber got.
type received struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       string
}

// subscriber is an HTTP endpoint that records what it is sent and answers
// the given statuses in turn, then 204.
type subscriber struct {
	URL string
	got chan received

	mu      sync.Mutex
	answers []int
}

func newSubscriber(t *testing.T, answers ...int) *subscriber {
	s := &subscriber{got: make(chan received, 100), answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.got <- received{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header, Body: string(body)}
		w.WriteHeader(s.answer())
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *subscriber) answer() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.answers) == 0 {
		return http.StatusNoContent
	}
	status := s.answers[0]
	s.answers = s.answers[1:]
	return status
}

// next returns the next request the subscriber gets.
func (s *subscriber) next(t *testing.T) received {
	t.Helper()
	select {
	case r := <-s.got:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("the subscriber got no notification within 20 s")
		return received{}
	}
}

// awaitDelivered waits until the publication of messageID to topic ended,
// every delivery done or given up.
func awaitDelivered(t *testing.T, h *harness, topic, messageID string) {
	t.Helper()
	ctx := testContext(t)
	if err := h.client.GetWorkflow(ctx, topics.PublicationID(topic, messageID), "").Get(ctx, nil); err != nil {
		t.Fatalf("publication of %s: %v", messageID, err)
	}
}
