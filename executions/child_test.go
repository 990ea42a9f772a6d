package executions_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/worker"
)

// -update records the histories of the parents these tests run into the
// interpreter's testdata, which its replay test replays.
var update = flag.Bool("update", false, "record parent execution histories into ../interpreter/testdata/histories")

// childQueue is where the child-flow tests run a real worker.
const childQueue = "child-flow-test"

// flowWorld is a worker with everything a flow needs, the flows it runs and
// the start path, as fnflow dev has them.
type flowWorld struct {
	env   *testenv.Env
	flows *flowstore.Store
	execs *executions.Service
	tasks *callback.Completer

	mu     sync.Mutex
	worker sdkworker.Worker
}

var (
	worldOnce sync.Once
	world     *flowWorld
	worldErr  error
)

func childWorld(t *testing.T) *flowWorld {
	t.Helper()
	env := testenv.Start(t)
	worldOnce.Do(func() {
		flows := flowstore.New(env.Client, childQueue)
		world = &flowWorld{
			env:   env,
			flows: flows,
			execs: executions.New(env.Client, env.Namespace, childQueue, flows),
			tasks: callback.New(env.Client, env.Signer),
		}
		worldErr = world.startWorker()
		testenv.OnStop(world.stopWorker)
	})
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return world
}

func (w *flowWorld) startWorker() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.worker = worker.New(w.env.Client, worker.Config{Namespace: w.env.Namespace, TaskQueue: childQueue, Tokens: w.env.Signer, Logger: w.env.Logger})
	return w.worker.Start()
}

func (w *flowWorld) stopWorker() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.worker.Stop()
}

// deploy stores a flow, replacing one of that name.
func (w *flowWorld) deploy(t *testing.T, name, definition string) {
	t.Helper()
	if _, err := w.flows.Put(context.Background(), flowstore.Flow{Name: name, Definition: definition}); err != nil {
		t.Fatal(err)
	}
}

func (w *flowWorld) start(t *testing.T, req executions.Request) executions.Execution {
	t.Helper()
	e, err := w.execs.Start(context.Background(), req)
	if err != nil {
		t.Fatalf("starting %s/%s: %v", req.Flow, req.Name, err)
	}
	return e
}

// await waits for an execution to end and describes it.
func (w *flowWorld) await(t *testing.T, flow, name string) executions.Execution {
	t.Helper()
	ctx := context.Background()
	e, err := w.execs.Describe(ctx, flow, name)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = w.execs.Await(ctx, e, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if e.Status == executions.Running {
		t.Fatalf("execution %s/%s still runs", flow, name)
	}
	return e
}

// run starts an execution and waits for its end.
func (w *flowWorld) run(t *testing.T, flow, name string, input map[string]any) executions.Execution {
	t.Helper()
	w.start(t, executions.Request{Flow: flow, Name: name, Input: input})
	return w.await(t, flow, name)
}

// running waits until the execution exists and describes it.
func (w *flowWorld) running(t *testing.T, flow, name string) executions.Execution {
	t.Helper()
	var e executions.Execution
	testenv.Eventually(t, "execution "+flow+"/"+name+" to start", 30*time.Second, func() error {
		var err error
		e, err = w.execs.Describe(context.Background(), flow, name)
		return err
	})
	return e
}

// record keeps the parent's Temporal history for the interpreter's replay
// test when -update is given.
func (w *flowWorld) record(t *testing.T, e executions.Execution, file string) {
	t.Helper()
	if *update {
		testenv.RecordHistory(t, w.env.Client, interpreter.ExecutionWorkflowID(e.FlowName, e.Name), e.RunID, filepath.Join("..", "interpreter", "testdata", "histories", file))
	}
}

// tokenIn reads the callback token a child got in its input.
func tokenIn(t *testing.T, e executions.Execution) string {
	t.Helper()
	var in struct{ Token string }
	if err := json.Unmarshal(e.Input, &in); err != nil || in.Token == "" {
		t.Fatalf("execution %s has no token in its input %s: %v", e.Name, e.Input, err)
	}
	return in.Token
}

func (w *flowWorld) report(t *testing.T, callbackToken, output string) error {
	t.Helper()
	task, err := w.tasks.Open(callbackToken)
	if err != nil {
		t.Fatal(err)
	}
	return task.Succeed(context.Background(), json.RawMessage(output))
}

func outputOf(t *testing.T, e executions.Execution) map[string]any {
	t.Helper()
	if e.Status != executions.Succeeded {
		t.Fatalf("execution %s ended %s (%v), want Succeeded", e.Name, e.Status, lastEvent(t, world, e))
	}
	var out map[string]any
	if err := json.Unmarshal(e.Output, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

const greeter = `version: v1
type: flow
steps:
  - type: pass
    name: greet
    outputMappings:
      - target: greeting
        source: $input.who
`

// waiter waits for the test to report the token it was given, or a long
// time: the tests stop it or let its parent decide.
const waiter = `version: v1
type: flow
steps:
  - type: wait
    name: hold
    duration: 3600
`

// TestChildRequestResponse: the parent starts the child under the name it
// reads from its input and goes on with StartExecution's answer; the child
// runs on its own with the parent's input.
func TestChildRequestResponse(t *testing.T) {
	w := childWorld(t)
	greeterFlow, rrParent := testenv.ResourceName(t, "-greeter"), testenv.ResourceName(t, "-rr-parent")
	w.deploy(t, greeterFlow, greeter)
	w.deploy(t, rrParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: spawn
    resourceArn: acs:fnf:::flow/%s
    serviceParams:
      ExecutionName: $.childName
      Input: $
    outputMappings:
      - target: child
        source: $local
`, greeterFlow))
	parent := w.run(t, rrParent, "rr-1", map[string]any{"childName": "greeter-of-rr-1", "who": "ada"})
	child, _ := outputOf(t, parent)["child"].(map[string]any)
	if child["Name"] != "greeter-of-rr-1" || child["FlowName"] != greeterFlow || child["Status"] != "Running" || child["StartedTime"] == "" {
		t.Errorf("$local of the requestResponse child step = %v", child)
	}
	if got := outputOf(t, w.await(t, greeterFlow, "greeter-of-rr-1")); got["greeting"] != "ada" {
		t.Errorf("the child's output = %v, want greeting ada from the parent's input", got)
	}
	// A running execution of the name stands for the child, as
	// StartExecution returns it; an ended one is refused.
	again := w.run(t, rrParent, "rr-2", map[string]any{"childName": "greeter-of-rr-1", "who": "bob"})
	if failure := lastEvent(t, w, again); again.Status != executions.Failed || failure["error"] != "FnF.ExecutionAlreadyExists" {
		t.Errorf("reusing an ended child name: %s %v, want Failed with FnF.ExecutionAlreadyExists", again.Status, failure)
	}
	w.record(t, parent, "child_request_response.json")

	waiterFlow, rrWaiterParent := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-rr-waiter-parent")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, rrWaiterParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: spawn
    resourceArn: acs:fnf:::flow/%s
    serviceParams:
      ExecutionName: $.childName
`, waiterFlow))
	held := w.start(t, executions.Request{Flow: waiterFlow, Name: "held", Input: map[string]any{"mine": true}})
	reused := outputOf(t, w.run(t, rrWaiterParent, "rr-3", map[string]any{"childName": "held"}))
	if reused["Status"] != "Running" || reused["StartedTime"] != held.StartedTime.UTC().Format(executions.TimeFormat) || reused["Input"] != `{"mine":true}` {
		t.Errorf("a running execution of the child's name: $local %v, want that execution as StartExecution returns it", reused)
	}
	w.stopAfterTest(t, waiterFlow, "held")
}

// TestChildSync: the parent waits for its child; the output is $local, a
// failure is the step's, caught by the parent's catch with its name.
func TestChildSync(t *testing.T) {
	w := childWorld(t)
	greeterFlow, refuser := testenv.ResourceName(t, "-greeter"), testenv.ResourceName(t, "-refuser")
	w.deploy(t, greeterFlow, greeter)
	w.deploy(t, refuser, `version: v1
type: flow
steps:
  - type: fail
    name: refuse
    error: Child.Refused
    cause: not today
`)
	parent := `version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/%s
    pattern: sync
    serviceParams:
      Input: '{"who": "constant"}'
    catch:
      - errors: [Child.Refused]
        goto: caught
    errorMappings:
      - target: error
        source: $local.error
      - target: cause
        source: $local.cause
  - type: succeed
    name: done
  - type: pass
    name: caught
    outputMappings:
      - target: caughtError
        source: $input.error
`
	syncParent := testenv.ResourceName(t, "-sync-parent")
	w.deploy(t, syncParent, fmt.Sprintf(parent, greeterFlow))
	ok := w.run(t, syncParent, "sync-1", nil)
	if got := outputOf(t, ok); got["greeting"] != "constant" {
		t.Errorf("sync child's output as the parent's = %v, want greeting constant (Input given as a JSON string)", got)
	}
	w.record(t, ok, "child_sync.json")

	syncFailingParent := testenv.ResourceName(t, "-sync-failing-parent")
	w.deploy(t, syncFailingParent, fmt.Sprintf(parent, refuser))
	caught := w.run(t, syncFailingParent, "sync-2", nil)
	got := outputOf(t, caught)
	if got["caughtError"] != "Child.Refused" || got["cause"] != "not today" {
		t.Errorf("a failing child caught by the parent: %v", got)
	}
	w.record(t, caught, "child_sync_caught.json")
}

// TestChildStoppedByOperator: a sync child stopped while its parent waits
// fails the parent's step with the stop's error and cause; stopped without
// an error name it is FnF.ExecutionStopped.
func TestChildStoppedByOperator(t *testing.T) {
	w := childWorld(t)
	waiterFlow, stopParent := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-stop-parent")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, stopParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/%s
    pattern: sync
    serviceParams:
      ExecutionName: $.child
`, waiterFlow))
	for _, tc := range []struct{ stopError, wantError string }{
		{"Operator.Cancelled", "Operator.Cancelled"},
		{"", "FnF.ExecutionStopped"},
	} {
		name := "stop-" + strings.ToLower(strings.ReplaceAll(tc.wantError, ".", "-"))
		w.start(t, executions.Request{Flow: stopParent, Name: name, Input: map[string]any{"child": name + "-child"}})
		w.running(t, waiterFlow, name+"-child")
		if _, err := w.execs.Stop(context.Background(), waiterFlow, name+"-child", tc.stopError, "no longer needed"); err != nil {
			t.Fatal(err)
		}
		parent := w.await(t, stopParent, name)
		failure := lastEvent(t, w, parent)
		if parent.Status != executions.Failed || failure["error"] != tc.wantError || failure["cause"] != "no longer needed" {
			t.Errorf("parent of a child stopped with error %q: %s %v, want Failed with %s", tc.stopError, parent.Status, failure, tc.wantError)
		}
	}
}

// TestStoppingParentStopsSyncChild: a sync child ends with its parent; a
// waitForCallback child runs on.
func TestStoppingParentStopsSyncChild(t *testing.T) {
	w := childWorld(t)
	waiterFlow, bothParent := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-both-parent")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, bothParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
          - type: task
            name: syncChild
            resourceArn: acs:fnf:::flow/%[1]s
            pattern: sync
            serviceParams:
              ExecutionName: both-sync-child
      - steps:
          - type: task
            name: callbackChild
            resourceArn: acs:fnf:::flow/%[1]s
            pattern: waitForCallback
            inputMappings:
              - target: token
                source: $context.task.token
            serviceParams:
              ExecutionName: both-callback-child
`, waiterFlow))
	w.start(t, executions.Request{Flow: bothParent, Name: "both-1"})
	w.running(t, waiterFlow, "both-sync-child")
	w.running(t, waiterFlow, "both-callback-child")
	if _, err := w.execs.Stop(context.Background(), bothParent, "both-1", "Operator.Stop", "enough"); err != nil {
		t.Fatal(err)
	}
	if got := w.await(t, waiterFlow, "both-sync-child").Status; got != executions.Stopped {
		t.Errorf("the sync child of a stopped parent is %s, want Stopped", got)
	}
	callbackChild, err := w.execs.Describe(context.Background(), waiterFlow, "both-callback-child")
	if err != nil || callbackChild.Status != executions.Running {
		t.Errorf("the waitForCallback child of a stopped parent: %+v, %v; want it running", callbackChild, err)
	}
	if err := w.report(t, tokenIn(t, callbackChild), `{}`); !errors.Is(err, callback.ErrAlreadyCompleted) {
		t.Errorf("reporting the token of a stopped parent: %v, want ErrAlreadyCompleted", err)
	}
	w.stopAfterTest(t, waiterFlow, "both-callback-child")
	desc, err := w.env.Client.DescribeWorkflowExecution(context.Background(), interpreter.ExecutionWorkflowID(waiterFlow, "both-sync-child"), "")
	if err != nil {
		t.Fatal(err)
	}
	parent := desc.GetWorkflowExecutionInfo().GetParentExecution()
	if want := interpreter.ExecutionWorkflowID(bothParent, "both-1"); parent.GetWorkflowId() != want {
		t.Errorf("the child's parent in Temporal is %v, want %s", parent, want)
	}
	if desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("the sync child's workflow is %s, want terminated", desc.GetWorkflowExecutionInfo().GetStatus())
	}
}

// TestChildWaitForCallback: the parent hands its token to the child; whoever
// reports it resumes the parent, the first report wins.
func TestChildWaitForCallback(t *testing.T) {
	w := childWorld(t)
	waiterFlow, wfcParent := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-wfc-parent")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, wfcParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: handOff
    resourceArn: acs:fnf:::flow/%s
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
    serviceParams:
      ExecutionName: wfc-child
    outputMappings:
      - target: answer
        source: $local.answer
`, waiterFlow))
	w.start(t, executions.Request{Flow: wfcParent, Name: "wfc-1"})
	token := tokenIn(t, w.running(t, waiterFlow, "wfc-child"))
	if err := w.report(t, token, `{"answer": 42}`); err != nil {
		t.Fatal(err)
	}
	if err := w.report(t, token, `{"answer": 43}`); !errors.Is(err, callback.ErrAlreadyCompleted) {
		t.Errorf("a second report: %v, want ErrAlreadyCompleted", err)
	}
	parent := w.await(t, wfcParent, "wfc-1")
	if got := outputOf(t, parent); got["answer"] != float64(42) {
		t.Errorf("parent output %v, want the first report's answer", got)
	}
	w.record(t, parent, "child_wait_for_callback.json")
	w.stopAfterTest(t, waiterFlow, "wfc-child")
}

// TestWaitForAny: the parent's child fans out into parallel branches, each
// starting a worker child with the parent's token; the first worker to
// report wins, the other gets TaskAlreadyCompleted.
func TestWaitForAny(t *testing.T) {
	w := childWorld(t)
	waiterFlow, fanOut, anyParent := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-fan-out"), testenv.ResourceName(t, "-any-parent")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, fanOut, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: parallel
    name: race
    branches:
      - steps:
          - type: task
            name: left
            resourceArn: acs:fnf:::flow/%[1]s
            serviceParams:
              ExecutionName: any-left
      - steps:
          - type: task
            name: right
            resourceArn: acs:fnf:::flow/%[1]s
            serviceParams:
              ExecutionName: any-right
`, waiterFlow))
	w.deploy(t, anyParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: firstOfTwo
    resourceArn: acs:fnf:::flow/%s
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
    serviceParams:
      ExecutionName: any-fan-out
`, fanOut))
	w.start(t, executions.Request{Flow: anyParent, Name: "any-1"})
	left, right := w.running(t, waiterFlow, "any-left"), w.running(t, waiterFlow, "any-right")
	if tokenIn(t, left) != tokenIn(t, right) {
		t.Fatal("the two workers got different tokens")
	}
	if err := w.report(t, tokenIn(t, right), `{"winner": "right"}`); err != nil {
		t.Fatal(err)
	}
	if err := w.report(t, tokenIn(t, left), `{"winner": "left"}`); !errors.Is(err, callback.ErrAlreadyCompleted) {
		t.Errorf("the slower worker's report: %v, want ErrAlreadyCompleted", err)
	}
	parent := w.await(t, anyParent, "any-1")
	if got := outputOf(t, parent); got["winner"] != "right" {
		t.Errorf("parent output %v, want the first report", got)
	}
	w.record(t, parent, "child_wait_for_any.json")
	for _, name := range []string{"any-left", "any-right"} {
		w.stopAfterTest(t, waiterFlow, name)
	}
}

// TestSelfRecursion: a flow starts itself three levels deep with a changing
// input, each level waiting for the next.
func TestSelfRecursion(t *testing.T) {
	w := childWorld(t)
	recursive := testenv.ResourceName(t, "-recursive")
	w.deploy(t, recursive, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: choice
    name: deeper
    choices:
      - condition: $.level == "one"
        steps:
          - type: task
            name: two
            resourceArn: acs:fnf:::flow/%[1]s
            pattern: sync
            inputMappings:
              - target: level
                source: two
      - condition: $.level == "two"
        steps:
          - type: task
            name: three
            resourceArn: acs:fnf:::flow/%[1]s
            pattern: sync
            inputMappings:
              - target: level
                source: three
    default:
      steps:
        - type: pass
          name: bottom
          outputMappings:
            - target: reached
              source: $input.level
`, recursive))
	top := w.run(t, recursive, "rec-1", map[string]any{"level": "one"})
	if got := outputOf(t, top); got["reached"] != "three" {
		t.Errorf("three levels of recursion gave %v, want reached three", got)
	}
	w.record(t, top, "child_recursion.json")
}

// TestCallbackTaskTokenAcrossRestart: an execution started with a
// CallbackFnFTaskToken reports its outcome to that task when it ends, also
// when the worker restarted while it ran, and when it fails, is stopped or
// times out.
func TestCallbackTaskTokenAcrossRestart(t *testing.T) {
	w := childWorld(t)
	slowGreeter, waiterFlow, brief := testenv.ResourceName(t, "-slow-greeter"), testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-brief")
	cbParent, refuser := testenv.ResourceName(t, "-cb-parent"), testenv.ResourceName(t, "-refuser")
	w.deploy(t, slowGreeter, `version: v1
type: flow
steps:
  - type: wait
    name: think
    duration: 2
  - type: pass
    name: greet
    outputMappings:
      - target: greeting
        source: $input.who
`)
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, brief, "version: v1\ntype: flow\ntimeoutSeconds: 1\nsteps:\n  - type: wait\n    name: hold\n    duration: 3600\n")
	w.deploy(t, cbParent, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: delegate
    resourceArn: acs:fnf:::flow/%s
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
      - target: holder
        source: $input.holder
    serviceParams:
      ExecutionName: $.holder
`, waiterFlow))
	// The parent's task token goes to a holder child that never reports;
	// the token is what the execution under test reports to.
	tokenOfParent := func(parent string) string {
		w.start(t, executions.Request{Flow: cbParent, Name: parent, Input: map[string]any{"holder": parent + "-holder"}})
		return tokenIn(t, w.running(t, waiterFlow, parent+"-holder"))
	}

	t.Run("succeeded across a worker restart", func(t *testing.T) {
		token := tokenOfParent("cb-ok")
		w.start(t, executions.Request{Flow: slowGreeter, Name: "cb-ok-child", Input: map[string]any{"who": "ada"}, CallbackToken: token})
		w.stopWorker()
		if err := w.startWorker(); err != nil {
			t.Fatal(err)
		}
		parent := w.await(t, cbParent, "cb-ok")
		if got := outputOf(t, parent); got["greeting"] != "ada" {
			t.Errorf("the parent's output %v, want the reporting execution's", got)
		}
		w.record(t, parent, "callback_token_parent.json")
		if err := w.report(t, token, `{}`); !errors.Is(err, callback.ErrAlreadyCompleted) {
			t.Errorf("the token after the report: %v, want ErrAlreadyCompleted", err)
		}
	})
	t.Run("stopped before any worker ran it", func(t *testing.T) {
		token := tokenOfParent("cb-early")
		w.stopWorker()
		w.start(t, executions.Request{Flow: waiterFlow, Name: "cb-early-child", CallbackToken: token})
		_, stopErr := w.execs.Stop(context.Background(), waiterFlow, "cb-early-child", "Operator.Early", "not needed")
		if err := w.startWorker(); err != nil {
			t.Fatal(err)
		}
		if stopErr != nil {
			t.Fatal(stopErr)
		}
		parent := w.await(t, cbParent, "cb-early")
		if failure := lastEvent(t, w, parent); parent.Status != executions.Failed || failure["error"] != "Operator.Early" {
			t.Errorf("parent of an execution stopped before it ran: %s %v, want Failed with Operator.Early", parent.Status, failure)
		}
	})
	for _, tc := range []struct {
		name, flow, wantError, wantCause string
		stop                             bool
	}{
		{"failed", refuser, "Child.Refused", "not today", false},
		{"stopped", waiterFlow, "Operator.Stop", "enough", true},
		{"timed out", brief, "FnF.Timeout", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.deploy(t, refuser, "version: v1\ntype: flow\nsteps:\n  - type: fail\n    name: refuse\n    error: Child.Refused\n    cause: not today\n")
			parentName := "cb-" + strings.ReplaceAll(tc.name, " ", "-")
			token := tokenOfParent(parentName)
			w.start(t, executions.Request{Flow: tc.flow, Name: parentName + "-child", CallbackToken: token})
			if tc.stop {
				w.running(t, tc.flow, parentName+"-child")
				if _, err := w.execs.Stop(context.Background(), tc.flow, parentName+"-child", "Operator.Stop", "enough"); err != nil {
					t.Fatal(err)
				}
			}
			parent := w.await(t, cbParent, parentName)
			failure := lastEvent(t, w, parent)
			if parent.Status != executions.Failed || failure["error"] != tc.wantError || (tc.wantCause != "" && failure["cause"] != tc.wantCause) {
				t.Errorf("parent of a child that %s: %s %v, want Failed with %s", tc.name, parent.Status, failure, tc.wantError)
			}
		})
	}
}

// stopAfterTest stops an execution a test leaves running.
func (w *flowWorld) stopAfterTest(t *testing.T, flow, name string) {
	t.Helper()
	if _, err := w.execs.Stop(context.Background(), flow, name, "", "test over"); err != nil {
		t.Error(err)
	}
}

// lastEvent is the detail of the last event of an execution's FnF
// history: its output, or its error and cause.
func lastEvent(t *testing.T, w *flowWorld, e executions.Execution) map[string]any {
	t.Helper()
	page, err := w.execs.History(context.Background(), e.FlowName, e.Name, 0, 1000)
	if err != nil || len(page.Events) == 0 {
		t.Fatalf("history of %s: %v", e.Name, err)
	}
	var detail map[string]any
	if err := json.Unmarshal(page.Events[len(page.Events)-1].Detail, &detail); err != nil {
		t.Fatal(err)
	}
	return detail
}

// TestSyncChildTimeout: a sync child step's timeoutSeconds fails the step
// with FnF.TaskTimeout and cancels the child, which reads Stopped; the
// parent's history names the child it started.
func TestSyncChildTimeout(t *testing.T) {
	w := childWorld(t)
	waiterFlow, impatient := testenv.ResourceName(t, "-waiter"), testenv.ResourceName(t, "-impatient")
	w.deploy(t, waiterFlow, waiter)
	w.deploy(t, impatient, fmt.Sprintf(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/%s
    pattern: sync
    timeoutSeconds: 1
    serviceParams:
      ExecutionName: impatient-child
    catch:
      - errors: [FnF.TaskTimeout]
        goto: gaveUp
  - type: succeed
    name: done
  - type: pass
    name: gaveUp
    outputMappings:
      - target: gaveUp
        source: true
`, waiterFlow))
	parent := w.run(t, impatient, "impatient-1", nil)
	if got := outputOf(t, parent); got["gaveUp"] != true {
		t.Errorf("parent output %v, want the timeout caught", got)
	}
	if got := w.await(t, waiterFlow, "impatient-child").Status; got != executions.Stopped {
		t.Errorf("the child of a timed-out sync step is %s, want Stopped", got)
	}
	page, err := w.execs.History(context.Background(), impatient, "impatient-1", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var submitted string
	for _, e := range page.Events {
		if e.Type == interpreter.EventTaskSubmitted {
			submitted = string(e.Detail)
		}
	}
	if want := fmt.Sprintf(`{"executionName":"impatient-child","flowName":"%s"}`, waiterFlow); submitted != want {
		t.Errorf("TaskSubmitted of the child step: %s, want it naming the child", submitted)
	}
	w.record(t, parent, "child_sync_timeout.json")
}
