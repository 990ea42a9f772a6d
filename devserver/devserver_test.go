package devserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/devserver/freeport"
	"github.com/fnflow/fnflow/internal/payload"
)

const taskQueue = "devserver-test"

// parkedStep is what the Park activity hands out: its task token, as a
// waitForCallback step would, and when it started.
type parkedStep struct {
	token   []byte
	started time.Time
}

// parker is an activity that completes asynchronously, like fnflow's
// waitForCallback steps.
type parker struct {
	steps chan parkedStep
}

func (p *parker) Park(ctx context.Context) (string, error) {
	p.steps <- parkedStep{token: activity.GetInfo(ctx).TaskToken, started: time.Now()}
	return "", activity.ErrResultPending
}

// StepsWorkflow runs n Park steps one after the other and returns their
// results.
func StepsWorkflow(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		// A retry would mint a new token and invalidate the one handed out.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var results []string
	for range n {
		var out string
		if err := workflow.ExecuteActivity(ctx, "Park").Get(ctx, &out); err != nil {
			return nil, err
		}
		results = append(results, out)
	}
	return results, nil
}

// testLogger passes the server's warnings and errors to the test log, so a
// failure shows what the server complained about.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

func startServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.DataDir == "" {
		opts.DataDir = tb.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = testLogger(tb)
	}
	began := time.Now()
	s, err := Start(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("server started in %v at %s", time.Since(began).Round(time.Millisecond), s.FrontendAddress())
	tb.Cleanup(func() {
		began := time.Now()
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
		tb.Logf("server stopped in %v", time.Since(began).Round(time.Millisecond))
	})
	return s
}

func newClient(tb testing.TB, s *Server) client.Client {
	tb.Helper()
	c, err := client.Dial(client.Options{
		HostPort:      s.FrontendAddress(),
		Namespace:     s.Namespace(),
		Logger:        sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
		DataConverter: payload.Converter,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// startWorker runs StepsWorkflow and Park through c; it returns the channel
// Park reports its steps on.
func startWorker(tb testing.TB, c client.Client) (chan parkedStep, worker.Worker) {
	tb.Helper()
	p := &parker{steps: make(chan parkedStep, 100)}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(StepsWorkflow)
	w.RegisterActivity(p)
	if err := w.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(w.Stop)
	return p.steps, w
}

func nextStep(tb testing.TB, steps chan parkedStep) parkedStep {
	tb.Helper()
	select {
	case s := <-steps:
		return s
	case <-time.After(20 * time.Second):
		tb.Fatal("timed out waiting for the next Park activity")
		return parkedStep{}
	}
}

func startSteps(tb testing.TB, c client.Client, n int) client.WorkflowRun {
	tb.Helper()
	run, err := c.ExecuteWorkflow(context.Background(),
		client.StartWorkflowOptions{ID: fmt.Sprintf("%s-%d", tb.Name(), time.Now().UnixNano()), TaskQueue: taskQueue},
		StepsWorkflow, n)
	if err != nil {
		tb.Fatal(err)
	}
	return run
}

func waitResult(tb testing.TB, run client.WorkflowRun) []string {
	tb.Helper()
	// More than the server's 20 s long poll: a wait for a result now and then
	// misses the news of the end and learns it only when that poll is over.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var results []string
	if err := run.Get(ctx, &results); err != nil {
		tb.Fatal(err)
	}
	return results
}

func TestAsyncCompletion(t *testing.T) {
	s := startServer(t, Options{})
	c := newClient(t, s)
	steps, _ := startWorker(t, c)

	run := startSteps(t, c, 2)
	for _, out := range []string{"first", "second"} {
		step := nextStep(t, steps)
		if err := c.CompleteActivity(context.Background(), step.token, out, nil); err != nil {
			t.Fatalf("completing %s: %v", out, err)
		}
	}
	if got := waitResult(t, run); !slices.Equal(got, []string{"first", "second"}) {
		t.Errorf("workflow result = %q, want [first second]", got)
	}
}

func TestWebUI(t *testing.T) {
	uiPort, err := freeport.Reserve("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Options{UIPort: uiPort})
	if want := fmt.Sprintf("http://127.0.0.1:%d", uiPort); s.UIAddress() != want {
		t.Errorf("UIAddress() = %q, want %q", s.UIAddress(), want)
	}
	// The root serves the UI's page; the API route proves the UI reaches the
	// frontend.
	for _, path := range []string{"/", "/api/v1/namespaces/" + s.Namespace()} {
		resp, err := http.Get(s.UIAddress() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s%s: %s", s.UIAddress(), path, resp.Status)
		}
	}
}

// Listening on all interfaces still gives clients a dialable address.
func TestUnspecifiedIP(t *testing.T) {
	uiPort, err := freeport.Reserve("0.0.0.0")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Options{IP: "0.0.0.0", UIPort: uiPort})
	if ip, _, _ := net.SplitHostPort(s.FrontendAddress()); ip != "127.0.0.1" {
		t.Errorf("FrontendAddress() = %q, want 127.0.0.1:port", s.FrontendAddress())
	}
	if got := describeRetention(t, s); got != DefaultRetention {
		t.Errorf("retention = %v, want %v", got, DefaultRetention)
	}
}

func TestUIOff(t *testing.T) {
	s := startServer(t, Options{})
	if s.UIAddress() != "" {
		t.Errorf("UIAddress() = %q with UIPort 0, want empty", s.UIAddress())
	}
}

func describeRetention(t *testing.T, s *Server) time.Duration {
	t.Helper()
	c := newClient(t, s)
	resp, err := c.WorkflowService().DescribeNamespace(context.Background(),
		&workflowservice.DescribeNamespaceRequest{Namespace: s.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
}

func TestRetention(t *testing.T) {
	s := startServer(t, Options{})
	if got := describeRetention(t, s); got < 7*24*time.Hour {
		t.Errorf("retention of %q = %v, want at least 7 days", s.Namespace(), got)
	}
}

// A database created with a short retention (the schema helper's 24 hours,
// here asked for explicitly) is raised to the requested one on the next start.
func TestRetentionRaisedOnExistingDatabase(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Options{DataDir: dir, Retention: 24 * time.Hour})
	if got := describeRetention(t, s); got != 24*time.Hour {
		t.Fatalf("retention on creation = %v, want 24h", got)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	s = startServer(t, Options{DataDir: dir})
	if got := describeRetention(t, s); got != DefaultRetention {
		t.Errorf("retention after restart = %v, want %v", got, DefaultRetention)
	}
}

func clusterID(t *testing.T, c client.Client) string {
	t.Helper()
	info, err := c.WorkflowService().GetClusterInfo(context.Background(), &workflowservice.GetClusterInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return info.GetClusterId()
}

// A restart on the same data directory keeps the running workflow, its pending
// activity and therefore the task token handed out before the restart.
func TestRestartKeepsPendingActivity(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Options{DataDir: dir})
	c := newClient(t, s)
	steps, w := startWorker(t, c)
	run := startSteps(t, c, 1)
	token := nextStep(t, steps).token
	id := clusterID(t, c)

	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	checkWAL(t, filepath.Join(dir, executionsFile))
	checkWAL(t, filepath.Join(dir, visibilityFile))

	port := portOf(t, s.FrontendAddress())
	s = startServer(t, Options{DataDir: dir, Port: port})
	if s.FrontendAddress() != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("FrontendAddress() = %q after restart on port %d", s.FrontendAddress(), port)
	}
	c = newClient(t, s)
	startWorker(t, c)
	if got := clusterID(t, c); got != id {
		t.Errorf("cluster ID changed across restart: %q, then %q", id, got)
	}
	if err := c.CompleteActivity(context.Background(), token, "after restart", nil); err != nil {
		t.Fatalf("completing with the token from before the restart: %v", err)
	}
	result := waitResult(t, c.GetWorkflow(context.Background(), run.GetID(), run.GetRunID()))
	if !slices.Equal(result, []string{"after restart"}) {
		t.Errorf("workflow result = %q, want [after restart]", result)
	}
}

// checkWAL checks that the database file is in WAL mode: SQLite then sets
// the file format's read and write versions (header bytes 18 and 19) to 2.
func checkWAL(t *testing.T, dbFile string) {
	t.Helper()
	f, err := os.Open(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := make([]byte, 20)
	if _, err := io.ReadFull(f, header); err != nil {
		t.Fatal(err)
	}
	if header[18] != 2 || header[19] != 2 {
		t.Errorf("%s is not in WAL mode: header bytes 18, 19 = %d, %d", dbFile, header[18], header[19])
	}
}

func portOf(t *testing.T, hostPort string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStopTwice(t *testing.T) {
	s, err := Start(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestBusyPort(t *testing.T) {
	s := startServer(t, Options{})
	_, err := Start(context.Background(), Options{DataDir: t.TempDir(), Port: portOf(t, s.FrontendAddress())})
	if err == nil {
		t.Fatal("Start on a port in use succeeded")
	}
	t.Log(err)
}

// portsTakenFirst picks ports as choosePorts does, and for the first taken
// calls listens on the history service's port before the server can: another
// process winning the race for a port fnflow picked.
func portsTakenFirst(t *testing.T, taken int, calls *int) func(Options) (ports, error) {
	return func(opts Options) (ports, error) {
		*calls++
		p, err := choosePorts(opts)
		if err != nil || *calls > taken {
			return p, err
		}
		l, err := net.Listen("tcp", net.JoinHostPort(internalIP, strconv.Itoa(p.history)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return p, nil
	}
}

func TestPickedPortTakenIsPickedAgain(t *testing.T) {
	var calls int
	s := startServer(t, Options{pickPorts: portsTakenFirst(t, 1, &calls)})
	if calls != 2 {
		t.Errorf("ports picked %d times, want 2", calls)
	}
	c := newClient(t, s)
	if _, err := c.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: s.Namespace()}); err != nil {
		t.Fatalf("server started on the ports picked again does not answer: %v", err)
	}
}

func TestPickedPortsTakenEveryTime(t *testing.T) {
	var calls int
	_, err := Start(context.Background(), Options{DataDir: t.TempDir(), Logger: testLogger(t), pickPorts: portsTakenFirst(t, portAttempts, &calls)})
	if err == nil {
		t.Fatal("Start succeeded with the history port taken at every attempt")
	}
	if calls != portAttempts {
		t.Errorf("ports picked %d times, want %d", calls, portAttempts)
	}
	t.Log(err)
	for _, want := range []string{"gRPC listener", "history", "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for name, opts := range map[string]Options{
		"no DataDir":   {},
		"IP host name": {DataDir: t.TempDir(), IP: "localhost"},
	} {
		if _, err := Start(context.Background(), opts); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
}
