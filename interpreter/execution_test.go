package interpreter

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/testenv"
)

// functions fakes the task activities: each call of a resource runs the
// behaviour registered for it, with the call's 1-based number.
type functions struct {
	mu       sync.Mutex
	calls    map[string]int
	requests map[string][]activities.TaskRequest
	behave   map[string]func(req activities.TaskRequest, n int) (any, error)
}

func newFunctions() *functions {
	return &functions{calls: map[string]int{}, requests: map[string][]activities.TaskRequest{}, behave: map[string]func(activities.TaskRequest, int) (any, error){}}
}

func (f *functions) call(req activities.TaskRequest) (any, error) {
	f.mu.Lock()
	f.calls[req.ResourceArn]++
	n := f.calls[req.ResourceArn]
	f.requests[req.ResourceArn] = append(f.requests[req.ResourceArn], req)
	behave := f.behave[req.ResourceArn]
	f.mu.Unlock()
	if behave == nil {
		return req.Input, nil // an echo function
	}
	return behave(req, n)
}

func (f *functions) count(arn string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[arn]
}

func (f *functions) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (activities.InvokeResult, error) {
		out, err := f.call(req)
		return activities.InvokeResult{Output: out}, err
	}, activity.RegisterOptions{Name: activities.RequestResponseActivity})
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (any, error) {
		return f.call(req)
	}, activity.RegisterOptions{Name: activities.WaitForCallbackActivity})
}

func newTestEnv() *testsuite.TestWorkflowEnvironment { return testenv.NewWorkflowEnv() }

type run struct {
	env    *testsuite.TestWorkflowEnvironment
	output map[string]any
	err    error
}

// runFlow executes a flow definition with input on the SDK's test server,
// with the task activities faked by fns, or by setup when fns is nil.
func runFlow(t *testing.T, fns *functions, definition string, input map[string]any, setup ...func(*testsuite.TestWorkflowEnvironment)) run {
	t.Helper()
	return runFlowWith(t, Options{}, fns, definition, input, setup...)
}

// runFlowWith is runFlow on a worker with opts.
func runFlowWith(t *testing.T, opts Options, fns *functions, definition string, input map[string]any, setup ...func(*testsuite.TestWorkflowEnvironment)) run {
	t.Helper()
	env := newTestEnv()
	env.RegisterWorkflowWithOptions(opts.Execution, workflow.RegisterOptions{Name: ExecutionWorkflow})
	if fns != nil {
		fns.register(env)
	}
	for _, s := range setup {
		s(env)
	}
	env.ExecuteWorkflow(ExecutionWorkflow, ExecutionInput{FlowName: "f", ExecutionName: "e1", Definition: definition, Input: input})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	r := run{env: env, err: env.GetWorkflowError()}
	if r.err == nil {
		if err := env.GetWorkflowResult(&r.output); err != nil {
			t.Fatalf("decoding result: %v", err)
		}
	}
	return r
}

func (r run) history(t *testing.T) []Event {
	t.Helper()
	v, err := r.env.QueryWorkflow(HistoryQuery)
	if err != nil {
		t.Fatalf("querying history: %v", err)
	}
	var events []Event
	if err := v.Get(&events); err != nil {
		t.Fatalf("decoding history: %v", err)
	}
	return events
}

func eventTypes(events []Event) []EventType {
	types := make([]EventType, len(events))
	for i, e := range events {
		types[i] = e.Type
	}
	return types
}

func flowFailure(t *testing.T, err error) (name, cause string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("want an ApplicationError, got %v", err)
	}
	return appErr.Type(), appErr.Message()
}

func assertJSON(t *testing.T, got any, want string) {
	t.Helper()
	if g, w := mustJSON(t, got), normJSON(t, want); g != w {
		t.Errorf("got %s, want %s", g, w)
	}
}

const callbackFlow = `version: v1
type: flow
steps:
  - type: task
    name: mytask
    resourceArn: acs:fc:::services/fnf-demo/functions/echo
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: s
        source: $local.status
`

func TestCallbackFlowOutput(t *testing.T) {
	fns := newFunctions()
	arn := "acs:fc:::services/fnf-demo/functions/echo"
	fns.behave[arn] = func(req activities.TaskRequest, n int) (any, error) {
		return map[string]any{"status": "ok"}, nil
	}
	r := runFlow(t, fns, callbackFlow, map[string]any{"a": 1.0})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"s":"ok"}`)
	req := fns.requests[arn][0]
	if req.TokenPlaceholder == "" || req.Input["taskToken"] != req.TokenPlaceholder {
		t.Errorf("taskToken must carry the placeholder the activity replaces; input %v, placeholder %q", req.Input, req.TokenPlaceholder)
	}
	events := r.history(t)
	assertJSON(t, eventTypes(events), `["ExecutionStarted","StepEntered","TaskScheduled","TaskSubmitted","TaskSucceeded","StepExited","ExecutionSucceeded"]`)
	for i, e := range events {
		if e.EventID != int64(i+1) {
			t.Errorf("event %d has id %d", i, e.EventID)
		}
	}
	if events[4].ScheduleEventID != 3 || events[5].ScheduleEventID != 2 {
		t.Errorf("TaskSucceeded and StepExited must point at TaskScheduled and StepEntered: %+v", events)
	}
}

// A callback task waits for its report; the submitted notice logs the token.
func TestCallbackTaskLogsSubmittedToken(t *testing.T) {
	env := newTestEnv()
	env.RegisterWorkflowWithOptions(Execution, workflow.RegisterOptions{Name: ExecutionWorkflow})
	var (
		mu    sync.Mutex
		token []byte
	)
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (any, error) {
		mu.Lock()
		token = activity.GetInfo(ctx).TaskToken
		mu.Unlock()
		return nil, activity.ErrResultPending
	}, activity.RegisterOptions{Name: activities.WaitForCallbackActivity})
	env.RegisterDelayedCallback(func() {
		// Event 3 is the TaskScheduled of the first step.
		env.SignalWorkflow(activities.TaskSubmittedSignal, activities.TaskSubmitted{ActivityID: "mytask#3", TaskToken: "t1.secret"})
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(HistoryQuery)
		if err != nil {
			t.Errorf("query: %v", err)
			return
		}
		var events []Event
		_ = v.Get(&events)
		if last := events[len(events)-1]; last.Type != EventTaskSubmitted || last.Detail["taskToken"] != "t1.secret" {
			t.Errorf("while waiting, the last event must be TaskSubmitted with the token, got %+v", last)
		}
		mu.Lock()
		defer mu.Unlock()
		if err := env.CompleteActivity(token, map[string]any{"status": "done"}, nil); err != nil {
			t.Errorf("completing: %v", err)
		}
	}, time.Hour)
	env.ExecuteWorkflow(ExecutionWorkflow, ExecutionInput{FlowName: "f", ExecutionName: "e1", Definition: callbackFlow})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("execution failed: %v", err)
	}
	var out map[string]any
	_ = env.GetWorkflowResult(&out)
	assertJSON(t, out, `{"s":"done"}`)
}

func TestCallbackReportedFailureFailsExecution(t *testing.T) {
	fns := newFunctions()
	fns.behave["acs:fc:::services/fnf-demo/functions/echo"] = func(activities.TaskRequest, int) (any, error) {
		return nil, temporal.NewApplicationError("the printer is on fire", "Worker.Failed")
	}
	r := runFlow(t, fns, callbackFlow, nil)
	name, cause := flowFailure(t, r.err)
	if name != "Worker.Failed" || cause != "the printer is on fire" {
		t.Errorf("got %s / %s", name, cause)
	}
	events := r.history(t)
	assertJSON(t, eventTypes(events), `["ExecutionStarted","StepEntered","TaskScheduled","TaskSubmitted","TaskFailed","StepFailed","ExecutionFailed"]`)
	assertJSON(t, events[len(events)-1].Detail, `{"error":"Worker.Failed","cause":"the printer is on fire"}`)
}

func TestMappingsAndDataFlow(t *testing.T) {
	fns := newFunctions()
	def := `version: v1
type: flow
inputMappings:
  - target: order
    source: $input.orderId
steps:
  - type: pass
    name: setup
    outputMappings:
      - target: limit
        source: 100
      - target: flow
        source: $context.flow.name
  - type: task
    name: price
    resourceArn: acs:fc:::services/shop/functions/price
    inputMappings:
      - target: id
        source: $input.order
      - target: limit
        source: $local.limit
      - target: execution
        source: $context.execution.name
  - type: task
    name: merged
    resourceArn: acs:fc:::services/shop/functions/echo
outputMappings:
  - target: result
    source: $local
`
	r := runFlow(t, fns, def, map[string]any{"orderId": "o-7"})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	// price echoes its mapped input; merged, with no inputMappings, sees the
	// flow input merged with the outputs of earlier siblings.
	assertJSON(t, fns.requests["acs:fc:::services/shop/functions/price"][0].Input, `{"id":"o-7","limit":100,"execution":"e1"}`)
	assertJSON(t, fns.requests["acs:fc:::services/shop/functions/echo"][0].Input, `{"order":"o-7","limit":100,"flow":"f","id":"o-7","execution":"e1"}`)
	assertJSON(t, r.output, `{"result":{"order":"o-7","limit":100,"flow":"f","id":"o-7","execution":"e1"}}`)
}

func TestRetryThenSucceed(t *testing.T) {
	fns := newFunctions()
	arn := "acs:fc:::services/s/functions/flaky"
	fns.behave[arn] = func(_ activities.TaskRequest, n int) (any, error) {
		if n < 3 {
			return nil, temporal.NewApplicationError("busy", "FC.ResourceThrottled")
		}
		return map[string]any{"n": float64(n)}, nil
	}
	def := `version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: ` + arn + `
    retry:
      - errors: [FC.ResourceThrottled]
        intervalSeconds: 2
        maxAttempts: 3
`
	r := runFlow(t, fns, def, nil)
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"n":3}`)
	if got := fns.count(arn); got != 3 {
		t.Errorf("want 3 attempts, got %d", got)
	}
}

func TestRetriesExhaustedThenCatchWithErrorMappings(t *testing.T) {
	fns := newFunctions()
	arn := "acs:fc:::services/s/functions/broken"
	fns.behave[arn] = func(activities.TaskRequest, int) (any, error) {
		return nil, temporal.NewApplicationError("no stock", "OutOfStock")
	}
	def := `version: v1
type: flow
steps:
  - type: task
    name: reserve
    resourceArn: ` + arn + `
    retry:
      - errors: [OutOfStock]
        intervalSeconds: 1
        maxAttempts: 2
    catch:
      - errors: [FnF.ALL]
        goto: compensate
    errorMappings:
      - target: failure
        source: $local.error
      - target: why
        source: $local.cause
  - type: fail
    name: unreachable
    error: Unreachable
  - type: pass
    name: compensate
    outputMappings:
      - target: compensated
        source: true
`
	r := runFlow(t, fns, def, nil)
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	if got := fns.count(arn); got != 3 {
		t.Errorf("maxAttempts 2 means 3 attempts in all, got %d", got)
	}
	assertJSON(t, r.output, `{"failure":"OutOfStock","why":"no stock","compensated":true}`)
}

func TestTaskTimeoutIsCatchable(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: task
    name: slow
    resourceArn: acs:fc:::services/s/functions/slow
    pattern: waitForCallback
    timeoutSeconds: 5
    catch:
      - errors: [FnF.TaskTimeout]
        goto: late
    errorMappings:
      - target: error
        source: $local.error
  - type: succeed
    name: late
`
	// The SDK's test server does not time out parked activities, so the fake
	// fails the attempt the way the server does when timeoutSeconds passes.
	r := runFlow(t, nil, def, nil, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (any, error) {
			return nil, temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil)
		}, activity.RegisterOptions{Name: activities.WaitForCallbackActivity})
	})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"error":"FnF.TaskTimeout"}`)
	events := r.history(t)
	if !containsType(events, EventTaskTimedOut) {
		t.Errorf("want a TaskTimedOut event: %v", eventTypes(events))
	}
}

func containsType(events []Event, typ EventType) bool {
	for _, e := range events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func TestChoiceLoopWithGoto(t *testing.T) {
	fns := newFunctions()
	arn := "acs:fc:::services/s/functions/count"
	fns.behave[arn] = func(_ activities.TaskRequest, n int) (any, error) {
		return map[string]any{"count": float64(n)}, nil
	}
	def := `version: v1
type: flow
steps:
  - type: task
    name: poll
    resourceArn: ` + arn + `
  - type: choice
    name: done
    choices:
      - condition: $.count < 3
        goto: poll
    default:
      steps:
        - type: pass
          name: finish
          outputMappings:
            - target: finished
              source: yes
`
	r := runFlow(t, fns, def, nil)
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"count":3,"finished":"yes"}`)
}

func TestChoiceWithoutMatchOrDefaultContinues(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: choice
    name: pick
    choices:
      - condition: $.kind == "a"
        steps:
          - type: fail
            name: never
            error: Never
  - type: pass
    name: after
    outputMappings:
      - target: after
        source: true
`
	r := runFlow(t, newFunctions(), def, map[string]any{"kind": "b"})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	// The flow output is the flow's local: the outputs of its steps.
	assertJSON(t, r.output, `{"after":true}`)
}

func TestParallelCollectsBranchLocals(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
          - type: pass
            name: left
            outputMappings:
              - target: name
                source: left
      - steps:
          - type: task
            name: right
            resourceArn: acs:fc:::services/s/functions/right
            inputMappings:
              - target: name
                source: $input.who
    outputMappings:
      - target: names
        source: $local[*].name
`
	r := runFlow(t, newFunctions(), def, map[string]any{"who": "right"})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"names":["left","right"]}`)
}

func TestParallelBranchFailureFailsStep(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
          - type: wait
            name: long
            duration: 3600
      - steps:
          - type: fail
            name: boom
            error: Boom
            cause: branch two failed
`
	r := runFlow(t, newFunctions(), def, nil)
	name, cause := flowFailure(t, r.err)
	if name != "Boom" || cause != "branch two failed" {
		t.Errorf("got %s / %s", name, cause)
	}
}

func TestForeachItemsAndIndex(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
      index: i
    steps:
      - type: task
        name: greet
        resourceArn: acs:fc:::services/s/functions/greet
        inputMappings:
          - target: greeting
            source: $input.name
          - target: position
            source: $input.i
    outputMappings:
      - target: greetings
        source: $local[*].greeting
      - target: positions
        source: $local[*].position
`
	r := runFlow(t, newFunctions(), def, map[string]any{"names": []any{"a", "b", "c"}})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"greetings":["a","b","c"],"positions":[0,1,2]}`)
}

func TestWaitAndSucceedEndTheList(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: 60
  - type: succeed
    name: stop
  - type: fail
    name: never
    error: Never
`
	r := runFlow(t, newFunctions(), def, map[string]any{"x": 1.0})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{}`)
}

func TestFailStepFailsExecution(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: fail
    name: stop
    error: Order.Invalid
    cause: no items
`
	r := runFlow(t, newFunctions(), def, nil)
	name, cause := flowFailure(t, r.err)
	if name != "Order.Invalid" || cause != "no items" {
		t.Errorf("got %s / %s", name, cause)
	}
}

func TestFunctionResultMustBeObject(t *testing.T) {
	fns := newFunctions()
	fns.behave["acs:fc:::services/s/functions/list"] = func(activities.TaskRequest, int) (any, error) {
		return []any{1.0, 2.0}, nil
	}
	def := `version: v1
type: flow
steps:
  - type: task
    name: list
    resourceArn: acs:fc:::services/s/functions/list
`
	r := runFlow(t, fns, def, nil)
	name, _ := flowFailure(t, r.err)
	if name != fdl.ErrInvalidLocal {
		t.Errorf("got %s, want %s", name, fdl.ErrInvalidLocal)
	}
}

func TestDelegatedTemporalActivity(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: task
    name: charge
    resourceArn: acs:fc:::services/billing/functions/charge
`
	r := runFlow(t, nil, def, map[string]any{"amount": 5.0}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivityWithOptions(func(ctx context.Context, req activities.TaskRequest) (activities.InvokeResult, error) {
			return activities.InvokeResult{Delegate: &activities.TemporalBinding{Activity: "ChargeCard", TaskQueue: "billing"}}, nil
		}, activity.RegisterOptions{Name: activities.RequestResponseActivity})
		env.RegisterActivityWithOptions(func(ctx context.Context, input map[string]any) (map[string]any, error) {
			return map[string]any{"charged": input["amount"]}, nil
		}, activity.RegisterOptions{Name: "ChargeCard"})
	})
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"charged":5}`)
}

func TestEndDoesNotCancelAGoto(t *testing.T) {
	fns := newFunctions()
	fns.behave["acs:fc:::services/s/functions/broken"] = func(activities.TaskRequest, int) (any, error) {
		return nil, temporal.NewApplicationError("down", "FC.Unknown")
	}
	def := `version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/s/functions/broken
    end: true
    catch:
      - errors: [FnF.ALL]
        goto: recover
  - type: pass
    name: recover
    outputMappings:
      - target: recovered
        source: true
`
	r := runFlow(t, fns, def, nil)
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"recovered":true}`)
}

func TestEndStopsTheList(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: pass
    name: first
    end: true
    outputMappings:
      - target: first
        source: true
  - type: fail
    name: never
    error: Never
`
	r := runFlow(t, newFunctions(), def, nil)
	if r.err != nil {
		t.Fatalf("execution failed: %v", r.err)
	}
	assertJSON(t, r.output, `{"first":true}`)
}
