package executions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// taskQueue has no worker: the executions these tests start stay running,
// which is all the start path and its typed errors need.
const taskQueue = "executions-test"

const definition = "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n"

// service is the start path on the shared server and the name of a flow of
// definition, this run of the test's alone.
func service(t *testing.T) (*executions.Service, *testenv.Env, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the embedded Temporal server")
	}
	env := testenv.Start(t)
	flows := flowstore.New(env.Client, taskQueue)
	f := testenv.ResourceName(t, "-f")
	if _, err := flows.Create(context.Background(), flowstore.Flow{Name: f, Definition: definition}); err != nil {
		t.Fatal(err)
	}
	return executions.New(env.Client, env.Namespace, taskQueue, flows), env, f
}

// TestStartPath checks the outcomes the gateway, schedules and child flows
// rely on, as typed errors: a running name is returned as it is, a used one
// is ErrAlreadyExists, a second stop is ErrAlreadyEnded.
func TestStartPath(t *testing.T) {
	s, env, f := service(t)
	ctx := context.Background()
	broken := testenv.ResourceName(t, "-broken")
	if _, err := flowstore.New(env.Client, taskQueue).Create(ctx, flowstore.Flow{Name: broken, Definition: "version: v1\n"}); err != nil {
		t.Fatal(err)
	}
	first, err := s.Start(ctx, executions.Request{Flow: f, Name: "e1", Input: map[string]any{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	// No worker polls taskQueue: the execution never begins.
	if first.Status != executions.Starting || string(first.Input) != `{"n":1}` || first.Definition != definition || first.StartedTime.IsZero() {
		t.Errorf("started %+v", first)
	}
	// The start's answer is built from the request, not read back: it must
	// be what reading the execution gives.
	if described, err := s.Describe(ctx, f, "e1"); err != nil || !reflect.DeepEqual(described, first) {
		t.Errorf("described %+v, %v; want what the start answered, %+v", described, err, first)
	}
	exact, err := s.Start(ctx, executions.Request{Flow: f, Name: "exact", Input: map[string]any{"n": json.Number("12345678901234567890")}})
	if err != nil || string(exact.Input) != `{"n":12345678901234567890}` {
		t.Errorf("starting with a large number gave %s, %v", exact.Input, err)
	}
	again, err := s.Start(ctx, executions.Request{Flow: f, Name: "e1", Input: map[string]any{"n": 2}})
	if err != nil || again.RunID != first.RunID || string(again.Input) != `{"n":1}` {
		t.Errorf("starting a running name again gave %+v, %v; want the running execution", again, err)
	}
	stopped, err := s.Stop(ctx, f, "e1", "Operator", "enough")
	if err != nil || stopped.Status != executions.Stopped || stopped.StoppedTime.IsZero() {
		t.Errorf("Stop gave %+v, %v", stopped, err)
	}
	if _, err := s.Stop(ctx, f, "e1", "", ""); !errors.Is(err, executions.ErrAlreadyEnded) {
		t.Errorf("stopping again: %v, want ErrAlreadyEnded", err)
	}
	if _, err := s.Start(ctx, executions.Request{Flow: f, Name: "e1"}); !errors.Is(err, executions.ErrAlreadyExists) {
		t.Errorf("starting an ended name: %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Start(ctx, executions.Request{Flow: "nothing", Name: "e3"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("starting a flow that does not exist: %v, want flowstore.ErrFlowNotFound", err)
	}
	var invalid *executions.InvalidDefinitionError
	if _, err := s.Start(ctx, executions.Request{Flow: broken, Name: "e2"}); !errors.As(err, &invalid) {
		t.Errorf("starting with a broken definition: %v, want an InvalidDefinitionError", err)
	}
}

// TestNotAnExecution checks that a workflow at an execution's ID that fnflow
// did not start is no execution.
func TestNotAnExecution(t *testing.T) {
	s, env, f := service(t)
	ctx := context.Background()
	if _, err := s.Describe(ctx, f, "nobody"); !errors.Is(err, executions.ErrNotFound) {
		t.Errorf("describing a name never used: %v, want ErrNotFound", err)
	}
	run, err := env.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       interpreter.ExecutionWorkflowID(f, "foreign"),
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: time.Minute,
	}, "someone.Else")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over") })
	if _, err := s.Describe(ctx, f, "foreign"); !errors.Is(err, executions.ErrNotFound) {
		t.Errorf("describing a foreign workflow: %v, want ErrNotFound", err)
	}
	if _, err := s.Stop(ctx, f, "foreign", "", ""); !errors.Is(err, executions.ErrNotFound) {
		t.Errorf("stopping a foreign workflow: %v, want ErrNotFound", err)
	}
}

// TestHistoryOfExecutionStoppedBeforeItRan: an execution stopped before any
// worker ran it never began its own log, and Temporal refuses to query it
// for good; its history is still what the API promises.
func TestHistoryOfExecutionStoppedBeforeItRan(t *testing.T) {
	s, _, f := service(t)
	ctx := context.Background()
	if _, err := s.Start(ctx, executions.Request{Flow: f, Name: "never-ran", Input: map[string]any{"n": json.Number("12345678901234567890")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stop(ctx, f, "never-ran", "Operator", "not needed"); err != nil {
		t.Fatal(err)
	}
	page, err := s.History(ctx, f, "never-ran", 0, 100)
	if err != nil {
		t.Fatalf("the history of an execution stopped before it ran: %v", err)
	}
	var got []string
	for _, e := range page.Events {
		got = append(got, fmt.Sprintf("%d %s %s", e.ID, e.Type, e.Detail))
	}
	want := []string{
		`1 ExecutionStarted {"input":{"n":12345678901234567890}}`,
		`2 ExecutionStopped {"cause":"not needed","error":"Operator"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || page.More {
		t.Errorf("history\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if page, err := s.History(ctx, f, "never-ran", 1, 100); err != nil || len(page.Events) != 1 || page.Events[0].Type != interpreter.EventExecutionStopped {
		t.Errorf("the page after event 1: %+v, %v; want ExecutionStopped alone", page, err)
	}
}

// TestListIsCaseExact: flows whose names differ only in case list only
// their own executions, though visibility matches ID prefixes without case.
func TestListIsCaseExact(t *testing.T) {
	s, env, _ := service(t)
	ctx := context.Background()
	flows := flowstore.New(env.Client, taskQueue)
	upper, lower := testenv.ResourceName(t, "-Orders"), testenv.ResourceName(t, "-orders")
	for _, name := range []string{upper, lower} {
		if _, err := flows.Create(ctx, flowstore.Flow{Name: name, Definition: definition}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(ctx, executions.Request{Flow: name, Name: "e-of-" + name}); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(flow string) string {
		page, err := s.List(ctx, flow, executions.Filter{}, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range page.Executions {
			names = append(names, e.Name)
		}
		return strings.Join(names, ",")
	}
	// Once visibility has both, each flow's list must hold its own alone.
	testenv.Eventually(t, "both executions to be visible", 30*time.Second, func() error {
		if !strings.Contains(listed(upper), "e-of-"+upper) || !strings.Contains(listed(lower), "e-of-"+lower) {
			return errors.New("not yet visible")
		}
		return nil
	})
	for _, flow := range []string{upper, lower} {
		if got := listed(flow); got != "e-of-"+flow {
			t.Errorf("flow %s lists %s, want its own execution alone", flow, got)
		}
	}
}
