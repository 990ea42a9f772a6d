package interpreter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/worker"
)

// asyncFunction is an HTTP function whose every call answer handles, with
// the call's 1-based number. It counts its calls and hands their inputs to
// the test.
type asyncFunction struct {
	calls  atomic.Int32
	inputs chan map[string]any
	url    string
}

func newAsyncFunction(t *testing.T, answer func(n int32, w http.ResponseWriter, r *http.Request)) *asyncFunction {
	f := &asyncFunction{inputs: make(chan map[string]any, 10)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		var input map[string]any
		_ = json.NewDecoder(r.Body).Decode(&input)
		f.inputs <- input
		answer(n, w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// next returns the input of the function's next call.
func (f *asyncFunction) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case in := <-f.inputs:
		return in
	case <-time.After(30 * time.Second):
		t.Fatal("the function was not called")
		return nil
	}
}

func asyncBindings(t *testing.T, yaml string) *activities.Bindings {
	t.Helper()
	b, err := activities.ParseBindings([]byte("functions:\n" + yaml))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httpBinding(resource string, f *asyncFunction) string {
	return fmt.Sprintf("  - resource: %s\n    http: {url: %s}\n", resource, f.url)
}

// startAsyncWorker runs executions, their invocations and the task
// activities on a task queue of the test's own, and stops without grace.
func startAsyncWorker(t *testing.T, queue string, bindings *activities.Bindings) sdkworker.Worker {
	t.Helper()
	return startWorkerWith(t, queue, bindings, interpreter.Options{})
}

// startWorkerWith is startAsyncWorker with the interpreter run with opts.
func startWorkerWith(t *testing.T, queue string, bindings *activities.Bindings, opts interpreter.Options) sdkworker.Worker {
	t.Helper()
	env := testenv.Start(t)
	w := sdkworker.New(env.Client, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(opts.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	w.RegisterWorkflowWithOptions(interpreter.AsyncInvocation, workflow.RegisterOptions{Name: interpreter.AsyncInvocationWorkflow})
	(&activities.Activities{Functions: bindings, Tokens: env.Signer, Temporal: env.Client, HTTP: http.DefaultClient, Logger: env.Logger}).Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// startFunctionActivity runs fn as the Temporal activity name on queue: a
// function bound with temporal:, as a team would write it with any SDK.
func startFunctionActivity(t *testing.T, queue, name string, fn func(ctx context.Context, input map[string]any) (map[string]any, error)) {
	t.Helper()
	w := sdkworker.New(testenv.Start(t).Client, queue, sdkworker.Options{})
	w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// startExecution starts an execution of definition on queue, in a flow of
// this run of the test alone.
func startExecution(t *testing.T, queue, name, definition string, input map[string]any) client.WorkflowRun {
	t.Helper()
	flow := testenv.ResourceName(t, "")
	run, err := testenv.Start(t).Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID:        interpreter.ExecutionWorkflowID(flow, name),
		TaskQueue: queue,
	}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{FlowName: flow, ExecutionName: name, Definition: definition, Input: input})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func eventTypes(events []interpreter.Event) string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = string(e.Type)
	}
	return strings.Join(types, " ")
}

func wait(t *testing.T, run client.WorkflowRun, out any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return run.Get(ctx, out)
}

// requestResponse with InvocationType Async is fire-and-forget: the step
// goes on as soon as the invocation has started, and the invocation, a
// workflow of its own, retries a failed call.
func TestAsyncRequestResponseGoesOnAtOnce(t *testing.T) {
	const queue = "async-fire-and-forget"
	release := make(chan struct{})
	fn := newAsyncFunction(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Error(w, `{"Code":"ServiceUnavailable","Message":"try later"}`, http.StatusServiceUnavailable)
			return
		}
		<-release
		_, _ = w.Write([]byte(`{"done":true}`))
	})
	startAsyncWorker(t, queue, asyncBindings(t, httpBinding("services/jobs/functions/slow", fn)))
	def := `version: v1
type: flow
steps:
  - type: task
    name: submit
    resourceArn: acs:fc:::services/jobs/functions/slow
    serviceParams:
      InvocationType: Async
    inputMappings:
      - target: job
        source: $input.job
    outputMappings:
      - target: invocation
        source: $local.InvocationId
      - target: request
        source: $local.RequestId
`
	run := startExecution(t, queue, "async-fire-and-forget", def, map[string]any{"job": "resize"})
	var out map[string]any
	if err := wait(t, run, &out); err != nil {
		t.Fatal(err)
	}
	id, _ := out["invocation"].(string)
	if want := fmt.Sprintf("fnflow-%s-", run.GetRunID()); !strings.HasPrefix(id, want) || !fdl.ValidName(id) {
		t.Errorf("InvocationId %q: want a valid ID starting %s", id, want)
	}
	if got := eventTypes(history(t, run)); got != "ExecutionStarted StepEntered TaskScheduled TaskSubmitted TaskSucceeded StepExited ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
	// The execution ended while its invocation still runs: the first call
	// failed, the retry holds the function.
	if in := fn.next(t); in["job"] != "resize" {
		t.Errorf("the function got %v", in)
	}
	fn.next(t)
	env := testenv.Start(t)
	invocationID := interpreter.AsyncInvocationWorkflowID("jobs", "slow", id)
	desc, err := env.Client.DescribeWorkflowExecution(context.Background(), invocationID, "")
	if err != nil {
		t.Fatalf("the invocation must be the workflow named after its ID: %v", err)
	}
	if runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(); runID != out["request"] {
		t.Errorf("RequestId %v, want the invocation's run %s", out["request"], runID)
	}
	invocation := env.Client.GetWorkflow(context.Background(), invocationID, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
	close(release)
	var result map[string]any
	if err := wait(t, invocation, &result); err != nil {
		t.Fatal(err)
	}
	if result["done"] != true || fn.calls.Load() != 2 {
		t.Errorf("invocation result %v after %d calls, want {done: true} after 2", result, fn.calls.Load())
	}
	record(t, run, "async_request_response")
	record(t, invocation, "async_invocation_retried")
}

const syncChargeFlow = `version: v1
type: flow
steps:
  - type: task
    name: charge
    resourceArn: acs:fc:::services/billing/functions/charge
    pattern: sync
    serviceParams:
      InvocationType: Async
      StatefulAsyncInvocationID: $.order
    outputMappings:
      - target: charged
        source: $local.charged
    catch:
      - errors: [FC.InvocationAlreadyExists]
        goto: duplicate
    errorMappings:
      - target: error
        source: $local.error
  - type: succeed
    name: done
  - type: pass
    name: duplicate
`

// sync with InvocationType Async waits for the invocation's result, here of
// a function bound to a Temporal activity; StatefulAsyncInvocationID names
// the invocation, and a second submission of the ID is refused.
func TestAsyncSyncWaitsForResult(t *testing.T) {
	const queue, fnQueue = "async-sync", "async-sync-billing"
	var calls atomic.Int32
	startFunctionActivity(t, fnQueue, "Charge", func(ctx context.Context, input map[string]any) (map[string]any, error) {
		calls.Add(1)
		return map[string]any{"charged": input["amount"]}, nil
	})
	startAsyncWorker(t, queue, asyncBindings(t, "  - resource: services/billing/functions/charge\n    temporal: {activity: Charge, taskQueue: "+fnQueue+"}\n"))
	// StatefulAsyncInvocationID names the invocation's workflow whatever
	// the execution: the ID is this run's alone.
	order := testenv.ResourceName(t, "-order-17")
	run := startExecution(t, queue, "async-sync", syncChargeFlow, map[string]any{"order": order, "amount": 5})
	var out map[string]any
	if err := wait(t, run, &out); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out["charged"]) != "5" {
		t.Errorf("output %v", out)
	}
	if got := eventTypes(history(t, run)); got != "ExecutionStarted StepEntered TaskScheduled TaskSubmitted TaskSucceeded StepExited StepEntered StepExited ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
	env := testenv.Start(t)
	desc, err := env.Client.DescribeWorkflowExecution(context.Background(), interpreter.AsyncInvocationWorkflowID("billing", "charge", order), "")
	if err != nil {
		t.Fatalf("the invocation must be the workflow named after its ID: %v", err)
	}
	if parent := desc.GetWorkflowExecutionInfo().GetParentExecution(); parent.GetWorkflowId() != run.GetID() {
		t.Errorf("the invocation's parent is %v, want the execution %s", parent, run.GetID())
	}
	record(t, run, "async_sync")

	again := startExecution(t, queue, "async-sync-again", syncChargeFlow, map[string]any{"order": order, "amount": 6})
	if err := wait(t, again, &out); err != nil {
		t.Fatal(err)
	}
	if out["error"] != fdl.ErrInvocationAlreadyExists || calls.Load() != 1 {
		t.Errorf("a second submission of the ID: output %v after %d calls, want %s after 1", out, calls.Load(), fdl.ErrInvocationAlreadyExists)
	}
}

// A sync step whose invocation keeps failing fails, once the invocation's
// retries are used up, with the function's own error name and cause.
func TestAsyncSyncFailureIsTheFunctionError(t *testing.T) {
	const queue = "async-sync-failure"
	fn := newAsyncFunction(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Fc-Error-Type", "UnhandledInvocationError")
		_, _ = w.Write([]byte(`{"errorType":"BatchFailed","errorMessage":"disk full"}`))
	})
	startAsyncWorker(t, queue, asyncBindings(t, httpBinding("services/jobs/functions/batch", fn)))
	def := `version: v1
type: flow
steps:
  - type: task
    name: batch
    resourceArn: acs:fc:::services/jobs/functions/batch
    pattern: sync
    serviceParams:
      InvocationType: Async
    catch:
      - errors: [BatchFailed]
        goto: failed
    errorMappings:
      - target: error
        source: $local.error
      - target: cause
        source: $local.cause
  - type: succeed
    name: done
  - type: pass
    name: failed
`
	run := startExecution(t, queue, "async-sync-failure", def, nil)
	var out map[string]any
	if err := wait(t, run, &out); err != nil {
		t.Fatal(err)
	}
	if out["error"] != "BatchFailed" || out["cause"] != "disk full" {
		t.Errorf("output %v, want the function's error and cause", out)
	}
	if n := fn.calls.Load(); n != 4 {
		t.Errorf("the function was called %d times, want 4: a try and 3 retries", n)
	}
}

// A sync step gets its invocation's result although the worker that
// started it stopped while the function ran and another took over.
func TestAsyncSyncAcrossWorkerRestart(t *testing.T) {
	const def = `version: v1
type: flow
steps:
  - type: task
    name: work
    resourceArn: acs:fc:::services/jobs/functions/work
    pattern: sync
    serviceParams:
      InvocationType: Async
`
	env := testenv.Start(t)
	t.Run("temporal", func(t *testing.T) {
		// The function runs on its own worker: it goes on while fnflow's
		// worker is away, and is called once.
		const queue, fnQueue = "async-restart-temporal", "async-restart-fn"
		release, running := make(chan struct{}), make(chan struct{}, 1)
		var calls atomic.Int32
		startFunctionActivity(t, fnQueue, "Work", func(ctx context.Context, input map[string]any) (map[string]any, error) {
			calls.Add(1)
			running <- struct{}{}
			<-release
			return map[string]any{"worked": true}, nil
		})
		cfg := worker.Config{TaskQueue: queue, Tokens: env.Signer, Logger: env.Logger, HandoffTimeout: time.Second,
			Functions: asyncBindings(t, "  - resource: services/jobs/functions/work\n    temporal: {activity: Work, taskQueue: "+fnQueue+"}\n")}
		first := worker.New(env.Client, cfg)
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		run := startExecution(t, queue, "async-restart-temporal", def, nil)
		<-running
		first.Stop()
		next := worker.New(env.Client, cfg)
		if err := next.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(next.Stop)
		close(release)
		var out map[string]any
		if err := wait(t, run, &out); err != nil {
			t.Fatal(err)
		}
		if out["worked"] != true || calls.Load() != 1 {
			t.Errorf("output %v after %d calls, want {worked: true} after 1", out, calls.Load())
		}
	})
	t.Run("http", func(t *testing.T) {
		// The worker that stops takes the call with it: the invocation
		// calls the function again, and that call's reply is the result.
		// The first call never answers: a reply that raced the stopping
		// worker's cancellation could otherwise still complete the attempt.
		const queue = "async-restart-http"
		fn := newAsyncFunction(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				<-r.Context().Done()
				return
			}
			_, _ = fmt.Fprintf(w, `{"call":%d}`, n)
		})
		bindings := asyncBindings(t, httpBinding("services/jobs/functions/work", fn))
		first := startAsyncWorker(t, queue, bindings)
		run := startExecution(t, queue, "async-restart-http", def, nil)
		fn.next(t)
		first.Stop()
		startAsyncWorker(t, queue, bindings)
		var out map[string]any
		if err := wait(t, run, &out); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out["call"]) != "2" {
			t.Errorf("output %v, want the reply to the second call", out)
		}
	})
}

// A sync step that waits longer than its timeoutSeconds fails with
// FnF.TaskTimeout; the invocation goes on.
func TestAsyncSyncTimeout(t *testing.T) {
	const queue = "async-sync-timeout"
	release := make(chan struct{})
	fn := newAsyncFunction(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write([]byte(`{"late":true}`))
	})
	startAsyncWorker(t, queue, asyncBindings(t, httpBinding("services/jobs/functions/slow", fn)))
	invocation := testenv.ResourceName(t, "-slow-1")
	def := fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: slow
    resourceArn: acs:fc:::services/jobs/functions/slow
    pattern: sync
    timeoutSeconds: 1
    serviceParams:
      InvocationType: Async
      StatefulAsyncInvocationID: %s
`, invocation)
	run := startExecution(t, queue, "async-sync-timeout", def, nil)
	err := wait(t, run, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != fdl.ErrTaskTimeout {
		t.Fatalf("want %s, got %v", fdl.ErrTaskTimeout, err)
	}
	fn.next(t)
	close(release)
	var result map[string]any
	if err := wait(t, testenv.Start(t).Client.GetWorkflow(context.Background(), interpreter.AsyncInvocationWorkflowID("jobs", "slow", invocation), ""), &result); err != nil {
		t.Fatal(err)
	}
	if result["late"] != true {
		t.Errorf("the invocation must finish after its step timed out; result %v", result)
	}
}
