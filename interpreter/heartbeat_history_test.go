package interpreter

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
)

// parkedTasks fakes callback attempts that park until the test completes
// them, keeping each one's task token and activity ID by step path.
type parkedTasks struct {
	mu          sync.Mutex
	tokens      map[string][]byte
	activityIDs map[string]string
}

func parkTasks(env *testsuite.TestWorkflowEnvironment) *parkedTasks {
	p := &parkedTasks{tokens: map[string][]byte{}, activityIDs: map[string]string{}}
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (any, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		info := activity.GetInfo(ctx)
		p.tokens[req.StepPath], p.activityIDs[req.StepPath] = info.TaskToken, info.ActivityID
		return nil, activity.ErrResultPending
	}, activity.RegisterOptions{Name: activities.WaitForCallbackActivity})
	return p
}

func (p *parkedTasks) attempt(t *testing.T, path string) (taskToken []byte, activityID string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokens[path] == nil {
		t.Fatalf("step %s has not started", path)
	}
	return p.tokens[path], p.activityIDs[path]
}

// submit tells the execution the attempt at path handed its work over, as
// the activity does.
func (p *parkedTasks) submit(t *testing.T, env *testsuite.TestWorkflowEnvironment, path string) {
	_, id := p.attempt(t, path)
	env.SignalWorkflow(activities.TaskSubmittedSignal, activities.TaskSubmitted{ActivityID: id, TaskToken: "t1." + path})
}

// heartbeat forwards a heartbeat of the attempt at path, as a report does
// before it completes the attempt.
func (p *parkedTasks) heartbeat(t *testing.T, env *testsuite.TestWorkflowEnvironment, path, details, at string) {
	_, id := p.attempt(t, path)
	hb := TaskHeartbeat{ActivityID: id, Time: at}
	if details != "" {
		hb.Details = json.RawMessage(details)
	}
	env.SignalWorkflow(TaskHeartbeatSignal, hb)
}

func (p *parkedTasks) complete(t *testing.T, env *testsuite.TestWorkflowEnvironment, path string, output any, failure error) {
	token, _ := p.attempt(t, path)
	if err := env.CompleteActivity(token, output, failure); err != nil {
		t.Errorf("completing %s: %v", path, err)
	}
}

// runParked runs definition with parked callback tasks; script drives them
// from delayed callbacks.
func runParked(t *testing.T, definition string, script func(env *testsuite.TestWorkflowEnvironment, p *parkedTasks)) run {
	t.Helper()
	env := newTestEnv()
	env.RegisterWorkflowWithOptions(Execution, workflow.RegisterOptions{Name: ExecutionWorkflow})
	script(env, parkTasks(env))
	env.ExecuteWorkflow(ExecutionWorkflow, ExecutionInput{FlowName: "f", ExecutionName: "e1", Definition: definition})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	return run{env: env, err: env.GetWorkflowError()}
}

// taskEnd returns the detail of the event that ended the task scheduled for
// step stepName.
func taskEnd(t *testing.T, events []Event, stepName string) (EventType, map[string]any) {
	t.Helper()
	for _, e := range events {
		switch e.Type {
		case EventTaskSucceeded, EventTaskFailed, EventTaskTimedOut:
			if e.StepName == stepName {
				return e.Type, e.Detail
			}
		}
	}
	t.Fatalf("no event ended task %s: %v", stepName, eventTypes(events))
	return "", nil
}

// A heartbeat forwarded in an earlier workflow task than the completion is
// kept until the task ends, and the last of several wins.
func TestLastHeartbeatForwardedBeforeTheReport(t *testing.T) {
	r := runParked(t, callbackFlow, func(env *testsuite.TestWorkflowEnvironment, p *parkedTasks) {
		env.RegisterDelayedCallback(func() { p.submit(t, env, "mytask") }, time.Second)
		env.RegisterDelayedCallback(func() {
			p.heartbeat(t, env, "mytask", `{"progress":1}`, "2026-01-02T03:04:05.000Z")
		}, 2*time.Second)
		env.RegisterDelayedCallback(func() {
			p.heartbeat(t, env, "mytask", `{"progress":2}`, "2026-01-02T03:04:06.000Z")
		}, 3*time.Second)
		env.RegisterDelayedCallback(func() { p.complete(t, env, "mytask", map[string]any{"status": "ok"}, nil) }, time.Hour)
	})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	typ, detail := taskEnd(t, r.history(t), "mytask")
	if typ != EventTaskSucceeded {
		t.Fatalf("the task ended with %s", typ)
	}
	assertJSON(t, detail, `{"output":{"status":"ok"},"lastHeartbeat":{"time":"2026-01-02T03:04:06.000Z","details":{"progress":2}}}`)
}

// A heartbeat forwarded in the same workflow task as a failure report ends
// up on TaskFailed; one without details shows only its time.
func TestLastHeartbeatForwardedWithTheReport(t *testing.T) {
	r := runParked(t, callbackFlow, func(env *testsuite.TestWorkflowEnvironment, p *parkedTasks) {
		env.RegisterDelayedCallback(func() { p.submit(t, env, "mytask") }, time.Second)
		env.RegisterDelayedCallback(func() {
			p.heartbeat(t, env, "mytask", "", "2026-01-02T03:04:05.000Z")
			p.complete(t, env, "mytask", nil, temporal.NewApplicationError("out of paper", "Printer.Empty"))
		}, time.Hour)
	})
	if name, _ := flowFailure(t, r.err); name != "Printer.Empty" {
		t.Fatalf("execution failed with %s", name)
	}
	typ, detail := taskEnd(t, r.history(t), "mytask")
	if typ != EventTaskFailed {
		t.Fatalf("the task ended with %s", typ)
	}
	assertJSON(t, detail, `{"error":"Printer.Empty","cause":"out of paper","lastHeartbeat":{"time":"2026-01-02T03:04:05.000Z"}}`)
}

// Heartbeats of parallel tasks end up on their own task's event: the first
// task to end keeps the other's heartbeat for it, and a heartbeat of a task
// that already ended is dropped.
func TestLastHeartbeatOfParallelTasks(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
          - type: task
            name: slow
            resourceArn: acs:fc:::services/s/functions/slow
            pattern: waitForCallback
      - steps:
          - type: task
            name: quick
            resourceArn: acs:fc:::services/s/functions/quick
            pattern: waitForCallback
`
	const slow, quick = "both/branch[0]/slow", "both/branch[1]/quick"
	r := runParked(t, def, func(env *testsuite.TestWorkflowEnvironment, p *parkedTasks) {
		env.RegisterDelayedCallback(func() {
			p.submit(t, env, slow)
			p.submit(t, env, quick)
		}, time.Second)
		env.RegisterDelayedCallback(func() { p.heartbeat(t, env, slow, `{"slow":1}`, "2026-01-02T03:04:05.000Z") }, 2*time.Second)
		env.RegisterDelayedCallback(func() { p.complete(t, env, quick, map[string]any{}, nil) }, 3*time.Second)
		env.RegisterDelayedCallback(func() { p.heartbeat(t, env, quick, `{"late":true}`, "2026-01-02T03:04:07.000Z") }, 4*time.Second)
		env.RegisterDelayedCallback(func() { p.complete(t, env, slow, map[string]any{}, nil) }, time.Hour)
	})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	events := r.history(t)
	if _, detail := taskEnd(t, events, "quick"); detail[lastHeartbeatKey] != nil {
		t.Errorf("quick had no heartbeat, its end shows %v", detail)
	}
	_, detail := taskEnd(t, events, "slow")
	assertJSON(t, detail, `{"output":{},"lastHeartbeat":{"time":"2026-01-02T03:04:05.000Z","details":{"slow":1}}}`)
}

// A task without heartbeats shows none. (That it adds no version marker
// either is checked on the real server: gateway's
// TestHeartbeatsInTheHistory.)
func TestNoHeartbeatNoKey(t *testing.T) {
	r := runParked(t, callbackFlow, func(env *testsuite.TestWorkflowEnvironment, p *parkedTasks) {
		env.RegisterDelayedCallback(func() { p.submit(t, env, "mytask") }, time.Second)
		env.RegisterDelayedCallback(func() { p.complete(t, env, "mytask", map[string]any{"status": "ok"}, nil) }, time.Hour)
	})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	_, detail := taskEnd(t, r.history(t), "mytask")
	assertJSON(t, detail, `{"output":{"status":"ok"}}`)
}
