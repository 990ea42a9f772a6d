package interpreter_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// -update records the histories of these runs into testdata/histories for the
// replay tests.
var update = flag.Bool("update", false, "record execution histories into testdata/histories")

const taskQueue = "interpreter-test"

// TestMain stops the embedded server and the workers the tests started.
func TestMain(m *testing.M) { testenv.Main(m) }

var (
	workerOnce sync.Once
	workerErr  error
)

// integration returns the shared embedded Temporal server with the
// package's worker running the interpreter and the real activities on
// taskQueue, starting both on first use. Tests with workers of their own
// need only testenv.Start.
func integration(t testing.TB) *testenv.Env {
	t.Helper()
	env := testenv.Start(t)
	workerOnce.Do(func() { workerErr = startWorker(env) })
	if workerErr != nil {
		t.Fatal(workerErr)
	}
	return env
}

func startWorker(env *testenv.Env) error {
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var input map[string]any
		_ = json.NewDecoder(r.Body).Decode(&input)
		_ = json.NewEncoder(w).Encode(input)
	}))
	testenv.OnStop(fn.Close)
	bindings, err := activities.ParseBindings([]byte("functions:\n  - resource: services/demo/functions/echo\n    http: {url: " + fn.URL + "}\n"))
	if err != nil {
		return err
	}
	w := sdkworker.New(env.Client, taskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	queues.Register(w, env.Client)
	topics.Register(w, topics.Deps{Queues: queueStore(env)})
	(&activities.Activities{
		Functions: bindings, Queues: queueStore(env), Topics: topicStore(env),
		Tokens: env.Signer, Temporal: env.Client, HTTP: http.DefaultClient, Logger: env.Logger,
	}).Register(w)
	if err := w.Start(); err != nil {
		return err
	}
	testenv.OnStop(w.Stop)
	return nil
}

// start starts an execution of definition, in a flow of this run of the
// test alone.
func start(t *testing.T, name, definition string, input map[string]any) client.WorkflowRun {
	t.Helper()
	flow := testenv.ResourceName(t, "")
	run, err := integration(t).Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID:        interpreter.ExecutionWorkflowID(flow, name),
		TaskQueue: taskQueue,
	}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{FlowName: flow, ExecutionName: name, Definition: definition, Input: input})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// history queries the execution's FnF event log.
func history(t *testing.T, run client.WorkflowRun) []interpreter.Event {
	t.Helper()
	v, err := testenv.Start(t).Client.QueryWorkflow(context.Background(), run.GetID(), run.GetRunID(), interpreter.HistoryQuery)
	if err != nil {
		t.Fatalf("querying history: %v", err)
	}
	var events []interpreter.Event
	if err := v.Get(&events); err != nil {
		t.Fatal(err)
	}
	return events
}

// nextToken waits for the nth TaskSubmitted event and returns its token.
func nextToken(t *testing.T, run client.WorkflowRun, nth int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		seen := 0
		for _, e := range history(t, run) {
			if e.Type == interpreter.EventTaskSubmitted {
				if seen++; seen == nth {
					return e.Detail["taskToken"].(string)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no TaskSubmitted event number %d", nth)
	return ""
}

func complete(t *testing.T, callbackToken string, output map[string]any, failure error) error {
	t.Helper()
	env := testenv.Start(t)
	taskToken, err := env.Signer.Open(callbackToken)
	if err != nil {
		t.Fatalf("the token in the history must be ours: %v", err)
	}
	return env.Client.CompleteActivity(context.Background(), taskToken, output, failure)
}

// record keeps the run's Temporal history for the replay tests.
func record(t *testing.T, run client.WorkflowRun, name string) {
	t.Helper()
	if *update {
		testenv.RecordHistory(t, testenv.Start(t).Client, run.GetID(), run.GetRunID(), filepath.Join("testdata", "histories", name+".json"))
	}
}

const callbackFlow = `version: v1
type: flow
steps:
  - type: task
    name: mytask
    resourceArn: acs:fc:::services/demo/functions/echo
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: s
        source: $local.status
`

func TestCallbackSucceeds(t *testing.T) {
	run := start(t, "callback-success", callbackFlow, nil)
	tok := nextToken(t, run, 1)
	if err := complete(t, tok, map[string]any{"status": "ok"}, nil); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["s"] != "ok" {
		t.Errorf("output %v", out)
	}
	// A second report finds the attempt closed.
	var notFound *serviceerror.NotFound
	if err := complete(t, tok, map[string]any{"status": "again"}, nil); !errors.As(err, &notFound) {
		t.Errorf("second completion: want NotFound, got %v", err)
	}
	record(t, run, "callback_success")
}

func TestCallbackReportedFailure(t *testing.T) {
	run := start(t, "callback-failure", callbackFlow, nil)
	tok := nextToken(t, run, 1)
	if err := complete(t, tok, nil, temporal.NewApplicationError("the printer is on fire", "Worker.Failed")); err != nil {
		t.Fatal(err)
	}
	err := run.Get(context.Background(), nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "Worker.Failed" || appErr.Message() != "the printer is on fire" {
		t.Errorf("want Worker.Failed / the printer is on fire, got %v", err)
	}
	record(t, run, "callback_failure")
}

// A callback task that times out is retried with a fresh token; the stale
// token can no longer complete anything.
func TestCallbackTimeoutRetriesWithFreshToken(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: task
    name: approve
    resourceArn: acs:fc:::services/demo/functions/echo
    pattern: waitForCallback
    timeoutSeconds: 1
    retry:
      - errors: [FnF.TaskTimeout]
        intervalSeconds: 1
        maxAttempts: 1
    inputMappings:
      - target: taskToken
        source: $context.task.token
`
	run := start(t, "callback-timeout", def, nil)
	first := nextToken(t, run, 1)
	second := nextToken(t, run, 2)
	if first == second {
		t.Fatal("a retry must mint a new token")
	}
	var notFound *serviceerror.NotFound
	if err := complete(t, first, map[string]any{"late": true}, nil); !errors.As(err, &notFound) {
		t.Errorf("stale token: want NotFound, got %v", err)
	}
	if err := complete(t, second, map[string]any{"approved": true}, nil); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if out["approved"] != true {
		t.Errorf("output %v", out)
	}
	var types []interpreter.EventType
	for _, e := range history(t, run) {
		types = append(types, e.Type)
	}
	want := fmt.Sprint([]interpreter.EventType{"ExecutionStarted", "StepEntered", "TaskScheduled", "TaskSubmitted", "TaskTimedOut", "TaskScheduled", "TaskSubmitted", "TaskSucceeded", "StepExited", "ExecutionSucceeded"})
	if fmt.Sprint(types) != want {
		t.Errorf("events %v, want %s", types, want)
	}
	record(t, run, "callback_timeout_retry")
}

// Every step kind in one flow, against the real server.
func TestAllStepKinds(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: pass
    name: init
    outputMappings:
      - target: names
        source: ["a", "b"]
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
    steps:
      - type: task
        name: echo
        resourceArn: acs:fc:::services/demo/functions/echo
        inputMappings:
          - target: got
            source: $input.name
    outputMappings:
      - target: got
        source: $local[*].got
  - type: parallel
    name: fan
    branches:
      - steps:
          - type: wait
            name: nap
            duration: 1
      - steps:
          - type: pass
            name: right
            outputMappings:
              - target: side
                source: right
    outputMappings:
      - target: sides
        source: $local[*].side
  - type: choice
    name: check
    choices:
      - condition: $.got[1] == "b"
        goto: done
    default:
      goto: broken
  - type: fail
    name: broken
    error: Broken
  - type: succeed
    name: done
`
	run := start(t, "all-kinds", def, nil)
	var out map[string]any
	if err := run.Get(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out)
	// $local[*].side skips the wait branch, whose local has no side.
	if string(got) != `{"got":["a","b"],"names":["a","b"],"sides":["right"]}` {
		t.Errorf("output %s", got)
	}
	record(t, run, "all_step_kinds")
}
