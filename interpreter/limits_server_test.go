package interpreter_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/interpreter"
)

// tooBigForTemporal is more than Temporal's default limit on one payload
// (2 MiB), less than a gRPC message may carry.
var tooBigForTemporal = strings.Repeat("x", 5<<19)

// wantDataLimitExceeded checks that the execution failed with
// FnF.DataLimitExceeded and a cause that names the step, and that no
// Temporal error shows through.
func wantDataLimitExceeded(t *testing.T, run client.WorkflowRun, step string) {
	t.Helper()
	err := wait(t, run, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != fdl.ErrDataLimitExceeded {
		t.Fatalf("want %s, got %v", fdl.ErrDataLimitExceeded, err)
	}
	if cause := appErr.Message(); !strings.HasPrefix(cause, "step "+step+":") || strings.Contains(cause, "exceeds size limit") {
		t.Errorf("cause %q: want one naming step %s, in fnflow's words", cause, step)
	}
	for _, e := range history(t, run) {
		if e.Type == interpreter.EventTaskFailed && e.Detail["error"] != fdl.ErrDataLimitExceeded {
			t.Errorf("TaskFailed %v", e.Detail)
		}
	}
}

// A report Temporal cannot store (the gateway refuses one over 1 MiB, but
// a namespace's limit may be lower, and Temporal workers complete tasks
// directly) fails the step by name.
func TestReportTooBigForTemporal(t *testing.T) {
	run := start(t, "report-too-big", callbackFlow, nil)
	tok := nextToken(t, run, 1)
	if err := complete(t, tok, map[string]any{"status": tooBigForTemporal}, nil); err != nil {
		t.Fatalf("Temporal takes the report and fails the task: %v", err)
	}
	wantDataLimitExceeded(t, run, "mytask")
	record(t, run, "step_data_limit_report")
}

// A function's result Temporal cannot store fails the step by name,
// whether the step waits for the function or for its asynchronous
// invocation.
func TestFunctionResultTooBigForTemporal(t *testing.T) {
	const queue, fnQueue = "too-big-result", "too-big-result-fn"
	startFunctionActivity(t, fnQueue, "Big", func(ctx context.Context, input map[string]any) (map[string]any, error) {
		return map[string]any{"big": tooBigForTemporal}, nil
	})
	startAsyncWorker(t, queue, asyncBindings(t, "  - resource: services/jobs/functions/big\n    temporal: {activity: Big, taskQueue: "+fnQueue+"}\n"))
	for name, params := range map[string]string{
		"requestResponse": "",
		"async sync":      "    pattern: sync\n    serviceParams:\n      InvocationType: Async\n",
	} {
		t.Run(name, func(t *testing.T) {
			def := "version: v1\ntype: flow\nsteps:\n  - type: task\n    name: fetch\n    resourceArn: acs:fc:::services/jobs/functions/big\n" + params +
				"    catch:\n      - errors: [FnF.ALL]\n        goto: caught\n  - type: succeed\n    name: done\n  - type: pass\n    name: caught\n"
			run := startExecution(t, queue, "too-big-"+strings.ReplaceAll(name, " ", "-"), def, nil)
			wantDataLimitExceeded(t, run, "fetch")
		})
	}
}

// An execution keeps the limit it started with: the worker that resumes it
// with another limit replays and runs it as it began.
func TestRunningExecutionKeepsItsLimit(t *testing.T) {
	const queue = "limit-kept"
	fn := newAsyncFunction(t, func(n int32, w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) })
	bindings := asyncBindings(t, httpBinding("services/demo/functions/echo", fn))
	generous := startWorkerWith(t, queue, bindings, interpreter.Options{MaxStepData: 128 << 10})
	report := map[string]any{"status": strings.Repeat("x", 40_000)}
	kept := startExecution(t, queue, "limit-kept", callbackFlow, nil)
	tok := fmt.Sprint(fn.next(t)["taskToken"])
	generous.Stop()
	startAsyncWorker(t, queue, bindings) // the default limit
	if err := complete(t, tok, report, nil); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := wait(t, kept, &out); err != nil {
		t.Fatalf("the execution began under a limit of 128 KiB: %v", err)
	}
	if out["s"] != report["status"] {
		t.Errorf("output %.100v", out)
	}
	record(t, kept, "step_data_limit_kept")

	later := startExecution(t, queue, "limit-kept-later", callbackFlow, nil)
	if err := complete(t, fmt.Sprint(fn.next(t)["taskToken"]), report, nil); err != nil {
		t.Fatal(err)
	}
	wantDataLimitExceeded(t, later, "mytask")
}
