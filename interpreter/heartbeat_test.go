package interpreter_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// heartbeatFlow is a callback step with heartbeatSeconds whose heartbeat
// timeout is caught.
const heartbeatFlow = `version: v1
type: flow
steps:
  - type: task
    name: mytask
    resourceArn: acs:fc:::services/demo/functions/echo
    pattern: waitForCallback
    heartbeatSeconds: HEARTBEAT
    inputMappings:
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: s
        source: $local.status
    catch:
      - errors: [FnF.HeartbeatTimeout]
        goto: lost
    errorMappings:
      - target: error
        source: $local.error
      - target: cause
        source: $local.cause
  - type: succeed
    name: done
  - type: pass
    name: lost
`

func heartbeatEvery(seconds string) string {
	return strings.Replace(heartbeatFlow, "HEARTBEAT", seconds, 1)
}

// heartbeat records a heartbeat with details for a callback token, as the
// gateway's ReportTaskHeartbeat does.
func heartbeat(t *testing.T, callbackToken string, details any) error {
	t.Helper()
	env := testenv.Start(t)
	taskToken, err := env.Signer.Open(callbackToken)
	if err != nil {
		t.Fatalf("the token in the history must be ours: %v", err)
	}
	return env.Client.RecordActivityHeartbeat(context.Background(), taskToken, details)
}

// Heartbeats keep a step with heartbeatSeconds waiting past that time; when
// they stop it fails with FnF.HeartbeatTimeout, which catch names, the last
// heartbeat's details in the cause, and the history shows TaskTimedOut.
func TestHeartbeatsStopThenTheStepFails(t *testing.T) {
	run := start(t, "callback-heartbeat-timeout", heartbeatEvery("3"), nil)
	tok := nextToken(t, run, 1)
	// Four seconds of heartbeats, past the three of heartbeatSeconds: each
	// succeeds only while the attempt is alive.
	for i := range 8 {
		if err := heartbeat(t, tok, map[string]any{"progress": i}); err != nil {
			t.Fatalf("heartbeat %d: %v", i, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	cause, _ := out["cause"].(string)
	if out["error"] != fdl.ErrHeartbeatTimeout || !strings.Contains(cause, "heartbeatSeconds (3 s)") || !strings.Contains(cause, `{"progress":7}`) {
		t.Errorf("output %v", out)
	}
	timedOut := false
	for _, e := range history(t, run) {
		if e.Type == interpreter.EventTaskTimedOut && e.Detail["error"] == fdl.ErrHeartbeatTimeout && e.Detail["cause"] == cause {
			timedOut = true
		}
	}
	if !timedOut {
		t.Errorf("no TaskTimedOut event with %s in %v", fdl.ErrHeartbeatTimeout, history(t, run))
	}
	record(t, run, "callback_heartbeat_timeout")
}

// startHeartbeatWorker runs the interpreter and the activities on their own
// task queue with a hand-off timeout far above the tests' heartbeatSeconds,
// so that only heartbeats can decide what happens to a hand-off.
func startHeartbeatWorker(t *testing.T, queue string, fn *handoffFunction) sdkworker.Worker {
	t.Helper()
	env := testenv.Start(t)
	w := sdkworker.New(env.Client, queue, sdkworker.Options{})
	opts := interpreter.Options{HandoffTimeout: time.Minute}
	w.RegisterWorkflowWithOptions(opts.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	(&activities.Activities{Functions: fn.bindings(t), Tokens: env.Signer, Temporal: env.Client, HTTP: http.DefaultClient, Logger: quietLogger()}).Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// A hand-off slower than heartbeatSeconds does not trip the heartbeat
// timeout: the attempt heartbeats while it hands over, and the function is
// called once.
func TestSlowHandoffKeepsItsHeartbeat(t *testing.T) {
	const queue = "heartbeat-slow-handoff"
	fn := newHandoffFunction(t, func(w http.ResponseWriter, r *http.Request, token string) {
		time.Sleep(6 * time.Second)
		answerAtOnce(w, r, token)
	})
	startHeartbeatWorker(t, queue, fn)
	run := startOn(t, queue, "slow-handoff", heartbeatEvery("3"))
	called := fn.next(t)
	if got := nextToken(t, run, 1); got != called {
		t.Fatalf("TaskSubmitted shows %s, want the token the function got", got)
	}
	if err := complete(t, called, map[string]any{"status": "ok"}, nil); err != nil {
		t.Fatalf("the step must still wait after its slow hand-off: %v", err)
	}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["s"] != "ok" {
		t.Errorf("output %v", out)
	}
	select {
	case again := <-fn.tokens:
		t.Errorf("the function was called again, with %s", again)
	default:
	}
	record(t, run, "callback_heartbeat_success")
}

// A worker stopped without grace in the middle of a hand-off stops its
// heartbeats: the heartbeat timeout, long before the hand-off deadline, ends
// the hand-off as FnF.TaskSubmitTimeout and the step is handed over again.
func TestStoppedHandoffMissesItsHeartbeat(t *testing.T) {
	const queue = "heartbeat-stopped-handoff"
	stalled := make(chan struct{})
	fn := newHandoffFunction(t, func(w http.ResponseWriter, r *http.Request, token string) {
		select {
		case <-stalled:
			answerAtOnce(w, r, token)
		default:
			close(stalled)
			<-r.Context().Done()
		}
	})
	first := startHeartbeatWorker(t, queue, fn)
	// assertHandedOverAgain expects callbackFlow's events.
	def := strings.Replace(callbackFlow, "    pattern: waitForCallback\n", "    pattern: waitForCallback\n    heartbeatSeconds: 5\n", 1)
	run := startOn(t, queue, "stopped-handoff", def)
	abandoned := fn.next(t)
	first.Stop()
	startHeartbeatWorker(t, queue, fn)
	assertHandedOverAgain(t, run, abandoned, fn.next(t))
	record(t, run, "callback_heartbeat_handoff_stopped")
}

// The last of a task's heartbeats, forwarded by its report as the gateway
// does, shows on the event that ends the task; Temporal's history holds the
// forwarded heartbeat and the version marker of the change.
func TestReportedTaskShowsItsLastHeartbeat(t *testing.T) {
	env := integration(t)
	ctx := context.Background()
	run := start(t, "callback-heartbeat-history", heartbeatEvery("30"), nil)
	tok := nextToken(t, run, 1)
	task, err := callback.New(env.Client, env.Signer).Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, details := range []string{`{"progress":1}`, `{"progress":2}`} {
		if err := task.Heartbeat(ctx, json.RawMessage(details)); err != nil {
			t.Fatalf("heartbeat %s: %v", details, err)
		}
	}
	taskToken, err := env.Signer.Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := executions.New(env.Client, env.Namespace, taskQueue, nil).RecordLastHeartbeat(ctx, taskToken); err != nil {
		t.Fatalf("forwarding the last heartbeat: %v", err)
	}
	if err := task.Succeed(ctx, json.RawMessage(`{"status":"ok"}`)); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var ended *interpreter.Event
	for _, e := range history(t, run) {
		if e.Type == interpreter.EventTaskSucceeded {
			ended = &e
		}
	}
	if ended == nil {
		t.Fatal("no TaskSucceeded")
	}
	hb, _ := ended.Detail["lastHeartbeat"].(map[string]any)
	at, _ := hb["time"].(string)
	if parsed, err := time.Parse(executions.TimeFormat, at); err != nil || parsed.Before(ended.Time.Add(-time.Minute)) || parsed.After(ended.Time) {
		t.Errorf("lastHeartbeat time %q (%v), the task ended at %v", at, err, ended.Time)
	}
	if details, _ := json.Marshal(hb["details"]); string(details) != `{"progress":2}` {
		t.Errorf("lastHeartbeat details %s, want the last heartbeat's", details)
	}
	signals, markers := 0, 0
	iter := env.Client.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == interpreter.TaskHeartbeatSignal {
			signals++
		}
		var change string
		if id := e.GetMarkerRecordedEventAttributes().GetDetails()["change-id"]; id != nil && converter.GetDefaultDataConverter().FromPayloads(id, &change) == nil && change == "task-heartbeat-history" {
			markers++
		}
	}
	if signals != 1 || markers != 1 {
		t.Errorf("Temporal's history holds %d heartbeat signals and %d markers of the change, want one of each", signals, markers)
	}
	record(t, run, "callback_heartbeat_history")
}
