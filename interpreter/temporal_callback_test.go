package interpreter_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// The task queues of the Temporal-function callback test: the executions',
// and the one the function's activity runs on, as a user's worker would.
const (
	temporalCallbackQueue = "interpreter-temporal-callbacks"
	jobsQueue             = "interpreter-jobs"
)

const temporalCallbackFlow = `version: v1
type: flow
steps:
  - type: task
    name: submit
    resourceArn: acs:fc:::services/jobs/functions/run
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
      - target: job
        source: $input.job
    catch:
      - errors: [Job.Refused]
        goto: refused
    errorMappings:
      - target: refusal
        source: $local.cause
  - type: succeed
    name: done
  - type: pass
    name: refused
`

// A waitForCallback task of a function bound to a Temporal activity: the
// activity is called with the token where the flow mapped it, and the step
// waits for the token's report (here made by the activity through a
// Temporal client once it returned, as a worker elsewhere would); an
// activity that fails fails the step with its error, caught by name.
func TestTemporalFunctionWaitsForCallback(t *testing.T) {
	env := testenv.Start(t)
	bindings, err := activities.ParseBindings([]byte("functions:\n  - resource: services/jobs/functions/run\n    temporal: {activity: RunJob, taskQueue: " + jobsQueue + "}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tasks := callback.New(env.Client, env.Signer)
	runJob := func(ctx context.Context, in struct{ Token, Job string }) error {
		if in.Job == "refuse" {
			return temporal.NewApplicationError("not this job", "Job.Refused")
		}
		task, err := tasks.Open(in.Token)
		if err != nil {
			return err
		}
		go func() {
			if err := task.Succeed(context.Background(), json.RawMessage(`{"ran": "`+in.Job+`"}`)); err != nil {
				t.Errorf("reporting the token: %v", err)
			}
		}()
		return nil
	}
	w := sdkworker.New(env.Client, temporalCallbackQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	(&activities.Activities{Functions: bindings, Tokens: env.Signer, Temporal: env.Client, HTTP: http.DefaultClient, Logger: env.Logger}).Register(w)
	jobs := sdkworker.New(env.Client, jobsQueue, sdkworker.Options{})
	jobs.RegisterActivityWithOptions(runJob, activity.RegisterOptions{Name: "RunJob"})
	for _, w := range []sdkworker.Worker{w, jobs} {
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	flow := testenv.ResourceName(t, "")
	for job, want := range map[string]string{"build": `{"ran":"build"}`, "refuse": `{"refusal":"not this job"}`} {
		run, err := env.Client.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
			ID: interpreter.ExecutionWorkflowID(flow, "temporal-callback-"+job), TaskQueue: temporalCallbackQueue,
		}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{
			FlowName: flow, ExecutionName: "temporal-callback-" + job, Definition: temporalCallbackFlow,
			Input: map[string]any{"job": job},
		})
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := run.Get(t.Context(), &out); err != nil {
			t.Fatal(err)
		}
		delete(out, "job")
		if got, _ := json.Marshal(out); string(got) != want {
			t.Errorf("job %s: output %s, want %s", job, got, want)
		}
		record(t, run, "temporal_function_callback_"+job)
	}
}
