package executions_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	tokenspb "go.temporal.io/server/api/token/v1"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// TestStartingUntilAWorkerBegins: no worker polls taskQueue, so an execution
// stays Starting: described so, listed so by ListWithPayloads and under the
// Starting filter, and not under Running; List without payloads cannot tell
// and says Running.
func TestStartingUntilAWorkerBegins(t *testing.T) {
	s, _, f := service(t)
	ctx := context.Background()
	if _, err := s.Start(ctx, executions.Request{Flow: f, Name: "idle", Input: map[string]any{"n": 7}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = s.Stop(ctx, f, "idle", "", "test over") })
	if e, err := s.Describe(ctx, f, "idle"); err != nil || e.Status != executions.Starting {
		t.Errorf("Describe: %+v, %v; want Starting", e, err)
	}
	// Await treats Starting as not ended: it waits the time out.
	began := time.Now()
	if e, err := s.Describe(ctx, f, "idle"); err == nil {
		if e, err = s.Await(ctx, e, 1500*time.Millisecond); err != nil || e.Status != executions.Starting || time.Since(began) < time.Second {
			t.Errorf("Await of a Starting execution: %+v, %v after %v", e, err, time.Since(began))
		}
	}
	list := func(filter executions.Filter, payloads bool) ([]executions.Execution, error) {
		filter.NamePrefix = "idle"
		listing := s.List
		if payloads {
			listing = s.ListWithPayloads
		}
		page, err := listing(ctx, f, filter, 10, nil)
		return page.Executions, err
	}
	testenv.Eventually(t, "listing the Starting execution", 10*time.Second, func() error {
		got, err := list(executions.Filter{}, true)
		if err != nil || len(got) != 1 || got[0].Status != executions.Starting || string(got[0].Input) != `{"n":7}` || got[0].Definition != definition {
			return fmt.Errorf("ListWithPayloads: %+v, %v", got, err)
		}
		return nil
	})
	for _, tt := range []struct {
		filter   executions.Filter
		payloads bool
		want     executions.Status
	}{
		{executions.Filter{}, false, executions.Running},
		{executions.Filter{Status: executions.Starting}, false, executions.Starting},
		{executions.Filter{Status: executions.Starting}, true, executions.Starting},
		{executions.Filter{Status: executions.Running}, false, ""},
		{executions.Filter{Status: executions.Running}, true, ""},
	} {
		got, err := list(tt.filter, tt.payloads)
		switch {
		case err != nil:
			t.Errorf("List(%+v, payloads %v): %v", tt.filter, tt.payloads, err)
		case tt.want == "" && len(got) != 0, tt.want != "" && (len(got) != 1 || got[0].Status != tt.want):
			t.Errorf("List(%+v, payloads %v) = %+v, want %q", tt.filter, tt.payloads, got, tt.want)
		}
		if tt.payloads == false && len(got) == 1 && got[0].Input != nil {
			t.Errorf("List without payloads has the input %s", got[0].Input)
		}
	}
}

// TestReportedEventOfNoExecutionTask: what is not the token of an
// execution's step is refused before anything is asked of Temporal (the
// Service has no client).
func TestReportedEventOfNoExecutionTask(t *testing.T) {
	s := executions.New(nil, "", "", nil)
	marshal := func(task *tokenspb.Task) []byte {
		b, err := task.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tokens := map[string][]byte{
		"bytes that are no token":  []byte("not a token"),
		"another activity's task":  marshal(&tokenspb.Task{WorkflowId: "w", RunId: "r", ActivityType: "someone.Else", ActivityId: "step#3"}),
		"an activity ID without #": marshal(&tokenspb.Task{WorkflowId: "f/e", RunId: "r", ActivityType: activities.WaitForCallbackActivity, ActivityId: "step"}),
	}
	for what, tok := range tokens {
		if _, err := s.ReportedEvent(context.Background(), tok); !errors.Is(err, executions.ErrNotExecutionTask) {
			t.Errorf("%s: %v, want ErrNotExecutionTask", what, err)
		}
	}
}

// TestDescribeAfterTheRunMovesOn: one service describes an execution while
// no worker runs it (Starting, which its run cache then holds), and again
// once a worker has run it to its end: the cache must not keep it Starting
// or without its output.
func TestDescribeAfterTheRunMovesOn(t *testing.T) {
	_, env, f := service(t)
	ctx := context.Background()
	queue := "executions-test-moves-on"
	moving := executions.New(env.Client, env.Namespace, queue, flowstore.New(env.Client, taskQueue))
	if _, err := moving.Start(ctx, executions.Request{Flow: f, Name: "moves-on", Input: map[string]any{"n": 3}}); err != nil {
		t.Fatal(err)
	}
	if e, err := moving.Describe(ctx, f, "moves-on"); err != nil || e.Status != executions.Starting {
		t.Fatalf("Describe before a worker runs it: %+v, %v; want Starting", e, err)
	}
	w := sdkworker.New(env.Client, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	testenv.Eventually(t, "the execution succeeding", 20*time.Second, func() error {
		e, err := moving.Describe(ctx, f, "moves-on")
		if err != nil || e.Status != executions.Succeeded || string(e.Output) != `{}` || string(e.Input) != `{"n":3}` || e.Definition != definition {
			return fmt.Errorf("Describe: %+v, %v", e, err)
		}
		return nil
	})
}
