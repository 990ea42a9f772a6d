package interpreter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/worker"
)

// testHandoffTimeout is short so that abandoned hand-offs end the tests soon.
const testHandoffTimeout = 2 * time.Second

// handoffFunction is an HTTP function that hands every callback token it is
// called with to the test, then does what answer says with the request.
type handoffFunction struct {
	tokens chan string
	answer func(w http.ResponseWriter, r *http.Request, token string)
	url    string
}

func newHandoffFunction(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, token string)) *handoffFunction {
	f := &handoffFunction{tokens: make(chan string, 10), answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var input map[string]any
		_ = json.NewDecoder(r.Body).Decode(&input)
		tok, _ := input["taskToken"].(string)
		f.tokens <- tok
		f.answer(w, r, tok)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *handoffFunction) bindings(t *testing.T) *activities.Bindings {
	t.Helper()
	b, err := activities.ParseBindings([]byte("functions:\n  - resource: services/demo/functions/echo\n    http: {url: " + f.url + "}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// next returns the token of the function's next call.
func (f *handoffFunction) next(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-f.tokens:
		return tok
	case <-time.After(30 * time.Second):
		t.Fatal("the function was not called")
		return ""
	}
}

func answerAtOnce(w http.ResponseWriter, r *http.Request, token string) { _, _ = w.Write([]byte("{}")) }

// dyingTransport delivers a request to the function, then behaves like a
// worker killed before it could read the reply: the call never returns while
// the test runs. The first stall requests die so; later ones go through.
type dyingTransport struct {
	mu      sync.Mutex
	stall   int
	release chan struct{}
}

func newDyingTransport(t *testing.T, stall int) *dyingTransport {
	d := &dyingTransport{stall: stall, release: make(chan struct{})}
	t.Cleanup(func() { close(d.release) })
	return d
}

func (d *dyingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	d.mu.Lock()
	dies := d.stall != 0
	if d.stall > 0 {
		d.stall--
	}
	d.mu.Unlock()
	if !dies {
		return resp, err
	}
	if resp != nil {
		resp.Body.Close()
	}
	<-d.release
	return nil, errors.New("the worker died")
}

// startHandoffWorker runs a worker with a short hand-off timeout on its own
// task queue, so that no other test's worker takes its tasks.
func startHandoffWorker(t *testing.T, c client.Client, queue string, fn *handoffFunction, httpClient *http.Client, logger *slog.Logger) sdkworker.Worker {
	t.Helper()
	return startHandoffWorkerWithTimeout(t, c, queue, fn, httpClient, logger, testHandoffTimeout)
}

// startHandoffWorkerWithTimeout is startHandoffWorker for a test whose
// hand-offs must not be abandoned: one whose function takes its time.
func startHandoffWorkerWithTimeout(t *testing.T, c client.Client, queue string, fn *handoffFunction, httpClient *http.Client, logger *slog.Logger, handoffTimeout time.Duration) sdkworker.Worker {
	t.Helper()
	w := sdkworker.New(c, queue, sdkworker.Options{})
	opts := interpreter.Options{HandoffTimeout: handoffTimeout}
	w.RegisterWorkflowWithOptions(opts.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	(&activities.Activities{Functions: fn.bindings(t), Tokens: testenv.Start(t).Signer, Temporal: c, HTTP: httpClient, Logger: logger}).Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// startOn starts an execution of definition on queue, in a flow of this run
// of the test alone.
func startOn(t *testing.T, queue, name, definition string) client.WorkflowRun {
	t.Helper()
	flow := testenv.ResourceName(t, "")
	run, err := testenv.Start(t).Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID:        interpreter.ExecutionWorkflowID(flow, name),
		TaskQueue: queue,
	}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{FlowName: flow, ExecutionName: name, Definition: definition})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// assertHandedOverAgain checks that the abandoned token is refused, that the
// history shows only the second token, and that the second token completes
// the step.
func assertHandedOverAgain(t *testing.T, run client.WorkflowRun, abandoned, valid string) {
	t.Helper()
	if abandoned == valid {
		t.Fatal("a new hand-off must mint a new token")
	}
	if got := nextToken(t, run, 1); got != valid {
		t.Fatalf("TaskSubmitted shows %s, want the token of the second hand-off", got)
	}
	var notFound *serviceerror.NotFound
	if err := complete(t, abandoned, map[string]any{"status": "late"}, nil); !errors.As(err, &notFound) {
		t.Errorf("abandoned token: want NotFound, got %v", err)
	}
	if err := complete(t, valid, map[string]any{"status": "ok"}, nil); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["s"] != "ok" {
		t.Errorf("output %v", out)
	}
	events := history(t, run)
	var types []interpreter.EventType
	var submitted []string
	for _, e := range events {
		types = append(types, e.Type)
		if e.Type == interpreter.EventTaskSubmitted {
			submitted = append(submitted, fmt.Sprint(e.Detail["taskToken"]))
		}
		if e.Type == interpreter.EventTaskSubmitFailed && e.Detail["error"] != fdl.ErrTaskSubmitTimeout {
			t.Errorf("TaskSubmitFailed %v, want %s", e.Detail, fdl.ErrTaskSubmitTimeout)
		}
	}
	want := fmt.Sprint([]interpreter.EventType{"ExecutionStarted", "StepEntered", "TaskScheduled", "TaskSubmitFailed", "TaskScheduled", "TaskSubmitted", "TaskSucceeded", "StepExited", "ExecutionSucceeded"})
	if fmt.Sprint(types) != want {
		t.Errorf("events %v, want %s", types, want)
	}
	if !slices.Equal(submitted, []string{valid}) {
		t.Errorf("TaskSubmitted tokens %v, want only the valid one", submitted)
	}
}

// A worker killed after the function got the token, before the history
// showed it: the hand-off is abandoned after the hand-off timeout and the
// step handed over again.
func TestHandoffOfKilledWorkerIsHandedOverAgain(t *testing.T) {
	const queue = "handoff-killed"
	fn := newHandoffFunction(t, answerAtOnce)
	startHandoffWorker(t, testenv.Start(t).Client, queue, fn, &http.Client{Transport: newDyingTransport(t, 1)}, quietLogger())
	run := startOn(t, queue, "handoff-killed", callbackFlow)
	first := fn.next(t)
	second := fn.next(t)
	assertHandedOverAgain(t, run, first, second)
	record(t, run, "callback_handoff_abandoned")
}

// A worker stopped without grace while the function holds the request.
func TestHandoffOfStoppedWorkerIsHandedOverAgain(t *testing.T) {
	const queue = "handoff-stopped"
	var calls atomic.Int32
	fn := newHandoffFunction(t, func(w http.ResponseWriter, r *http.Request, token string) {
		if calls.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		answerAtOnce(w, r, token)
	})
	first := startHandoffWorker(t, testenv.Start(t).Client, queue, fn, http.DefaultClient, quietLogger())
	run := startOn(t, queue, "handoff-stopped", callbackFlow)
	abandoned := fn.next(t)
	first.Stop()
	startHandoffWorker(t, testenv.Start(t).Client, queue, fn, http.DefaultClient, quietLogger())
	assertHandedOverAgain(t, run, abandoned, fn.next(t))
}

// A function that never lets the hand-off finish: after maxHandoffs
// hand-offs the step fails with FnF.TaskSubmitTimeout, which catch names.
func TestHandoffThatNeverFinishesIsCatchable(t *testing.T) {
	const queue = "handoff-never"
	fn := newHandoffFunction(t, answerAtOnce)
	startHandoffWorker(t, testenv.Start(t).Client, queue, fn, &http.Client{Transport: newDyingTransport(t, -1)}, quietLogger())
	def := `version: v1
type: flow
steps:
  - type: task
    name: mytask
    resourceArn: acs:fc:::services/demo/functions/echo
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
    catch:
      - errors: [FnF.TaskSubmitTimeout]
        goto: caught
    errorMappings:
      - target: caught
        source: $local.error
  - type: fail
    name: notcaught
    error: NotCaught
  - type: pass
    name: caught
`
	run := startOn(t, queue, "handoff-never", def)
	tokens := []string{fn.next(t), fn.next(t), fn.next(t)}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["caught"] != fdl.ErrTaskSubmitTimeout {
		t.Errorf("output %v", out)
	}
	var notFound *serviceerror.NotFound
	for _, tok := range tokens {
		if err := complete(t, tok, map[string]any{}, nil); !errors.As(err, &notFound) {
			t.Errorf("abandoned token: want NotFound, got %v", err)
		}
	}
	var failed int
	for _, e := range history(t, run) {
		switch e.Type {
		case interpreter.EventTaskSubmitted:
			t.Errorf("no hand-off finished, yet the history shows %v", e.Detail)
		case interpreter.EventTaskSubmitFailed:
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d TaskSubmitFailed events, want 3", failed)
	}
}

// Stopping a worker lets the hand-off in progress finish: the token the
// function got stays valid and the history shows it.
func TestWorkerStopDrainsHandoff(t *testing.T) {
	const queue = "handoff-drain"
	fn := newHandoffFunction(t, func(w http.ResponseWriter, r *http.Request, token string) {
		// A slow function: the worker is told to stop meanwhile.
		time.Sleep(time.Second)
		answerAtOnce(w, r, token)
	})
	env := testenv.Start(t)
	cfg := worker.Config{TaskQueue: queue, Functions: fn.bindings(t), Tokens: env.Signer, Logger: quietLogger(), HandoffTimeout: 10 * time.Second}
	w := worker.New(env.Client, cfg)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run := startOn(t, queue, "handoff-drain", callbackFlow)
	tok := fn.next(t)
	w.Stop()
	// Queries and the rest of the execution need a worker again.
	next := worker.New(env.Client, cfg)
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(next.Stop)
	if got := nextToken(t, run, 1); got != tok {
		t.Fatalf("TaskSubmitted shows %s, want the token the function got", got)
	}
	if err := complete(t, tok, map[string]any{"status": "ok"}, nil); err != nil {
		t.Fatalf("the drained hand-off's token must complete the step: %v", err)
	}
	if err := run.Get(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// recordingHandler keeps the levels and messages of the records it is given.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// errors returns the ERROR records, with their attributes.
func (h *recordingHandler) errors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var texts []string
	for _, r := range h.records {
		if r.Level < slog.LevelError {
			continue
		}
		text := r.Message
		r.Attrs(func(a slog.Attr) bool {
			text += " " + a.String()
			return true
		})
		texts = append(texts, text)
	}
	return texts
}

// logged tells whether a record with message was given, at any level.
func (h *recordingHandler) logged(message string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if r.Message == message {
			return true
		}
	}
	return false
}

// A worker that reports at once, before the task recorded its token, ends
// the execution first: a normal outcome, logged without ERROR.
func TestReportBeforeSubmittedNoticeLogsNoError(t *testing.T) {
	const queue = "handoff-fast-report"
	started := make(chan client.WorkflowRun, 1)
	fn := newHandoffFunction(t, func(w http.ResponseWriter, r *http.Request, token string) {
		if err := complete(t, token, map[string]any{"status": "ok"}, nil); err != nil {
			t.Errorf("reporting from the function: %v", err)
		}
		// Answer only once the report has ended the execution. Not with the
		// request's context, which ends if the worker stops first.
		run := <-started
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := run.Get(ctx, nil); err != nil {
			t.Errorf("waiting for the execution to end: %v", err)
		}
		answerAtOnce(w, r, token)
	})
	logs := &recordingHandler{}
	logged := slog.New(logs)
	c, err := client.NewClientFromExisting(testenv.Start(t).Client, client.Options{Namespace: "default", Logger: temporallog.NewStructuredLogger(logged)})
	if err != nil {
		t.Fatal(err)
	}
	// The function answers only once the execution has ended, which takes
	// more than testHandoffTimeout on a loaded machine: then the hand-off
	// was abandoned and the test could not see the outcome it is about.
	w := startHandoffWorkerWithTimeout(t, c, queue, fn, http.DefaultClient, logged, time.Minute)
	run := startOn(t, queue, "fast-report", callbackFlow)
	started <- run
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["s"] != "ok" {
		t.Errorf("output %v", out)
	}
	// The execution ended before the activity could tell it the token; stop
	// the worker only once the activity took that as the normal outcome it
	// is, or the stop would cut the hand-off short instead.
	deadline := time.Now().Add(10 * time.Second)
	for !logs.logged("execution ended before the task's hand-off was recorded") {
		if time.Now().After(deadline) {
			t.Fatal("the activity did not log that the execution had ended before its hand-off was recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.Stop()
	if errs := logs.errors(); len(errs) > 0 {
		t.Errorf("ERROR logs on a normal path: %q", errs)
	}
}

// A step still waiting for its report when the hand-off timeout passes is
// not woken by the hand-off deadline: its timer was cancelled once the token
// was logged, so a waiting execution costs nothing, not a workflow task a
// step.
func TestHandoffDeadlineDoesNotWakeAWaitingStep(t *testing.T) {
	const queue = "handoff-deadline-cancelled"
	env := testenv.Start(t)
	fn := newHandoffFunction(t, answerAtOnce)
	startHandoffWorker(t, env.Client, queue, fn, http.DefaultClient, quietLogger())
	run := startOn(t, queue, "handoff-deadline-cancelled", callbackFlow)
	token := fn.next(t)
	if got := nextToken(t, run, 1); got != token {
		t.Fatalf("TaskSubmitted shows %s, want the function's token", got)
	}
	time.Sleep(testHandoffTimeout + time.Second)
	if err := complete(t, token, map[string]any{"status": "ok"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	counts := map[enumspb.EventType]int{}
	iter := env.Client.GetWorkflowHistory(context.Background(), run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		counts[e.GetEventType()]++
	}
	if fired := counts[enumspb.EVENT_TYPE_TIMER_FIRED]; fired != 0 {
		t.Errorf("the hand-off deadline fired %d times after the hand-off was done", fired)
	}
	if cancelled := counts[enumspb.EVENT_TYPE_TIMER_CANCELED]; cancelled != 1 {
		t.Errorf("want the hand-off deadline's timer cancelled once, got %d", cancelled)
	}
	// Started, the first task, the submitted token's, the report's.
	if tasks := counts[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]; tasks != 3 {
		t.Errorf("want 3 workflow tasks, got %d", tasks)
	}
	record(t, run, "callback_handoff_deadline_cancelled")
}
