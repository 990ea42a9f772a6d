package flowstore

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/testenv"
)

var created = time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)

func newRecord() Flow {
	return Flow{Name: "f", ID: "id-1", Definition: "v1", Description: "d", Type: "FDL", ExecutionMode: "Standard", CreatedTime: created, LastModifiedTime: created}
}

// outcome is what became of an update; the test environment delivers
// updates asynchronously, so it is read after the workflow ran.
type outcome struct {
	accepted bool
	result   Flow
	rejected error
	failed   error
}

func send(env *testsuite.TestWorkflowEnvironment, name string, args ...any) *outcome {
	o := &outcome{}
	env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejected = err },
		OnComplete: func(v any, err error) {
			o.failed = err
			o.result, _ = v.(Flow)
		},
	}, args...)
	return o
}

func newEnv() *testsuite.TestWorkflowEnvironment {
	env := testenv.NewWorkflowEnv()
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
	return env
}

func TestWorkflowUpdatesAndDeletes(t *testing.T) {
	env := newEnv()
	var changed, unchanged, deleted, afterDelete *outcome
	var updatedAt time.Time
	env.RegisterDelayedCallback(func() {
		updatedAt = env.Now().UTC()
		changed = send(env, updateFlow, Change{Definition: "v2", RoleArn: "role", ExecutionMode: ModeExpress})
		// Changes nothing: nothing is written, LastModifiedTime stays.
		unchanged = send(env, updateFlow, Change{Definition: "v2", Description: "d"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		deleted = send(env, deleteFlow)
		// Arrives with the delete, in the same workflow task.
		afterDelete = send(env, updateFlow, Change{Definition: "v3"})
	}, 2*time.Minute)
	env.ExecuteWorkflow(WorkflowType, newRecord())

	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("the delete must end the workflow cleanly: completed %v, %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	want := newRecord()
	want.Definition, want.RoleArn, want.ExecutionMode, want.LastModifiedTime = "v2", "role", ModeExpress, updatedAt
	if changed.rejected != nil || changed.failed != nil || changed.result != want {
		t.Errorf("update\n got %+v (%v, %v)\nwant %+v", changed.result, changed.rejected, changed.failed, want)
	}
	if unchanged.result != want {
		t.Errorf("a change that changes nothing changed the record:\n got %+v\nwant %+v", unchanged.result, want)
	}
	if deleted.rejected != nil || deleted.failed != nil {
		t.Errorf("delete: %v %v", deleted.rejected, deleted.failed)
	}
	// The validator refuses it (FlowDeleted) or, as in the test environment,
	// the run ends before it is delivered; either way it is never applied.
	var appErr *temporal.ApplicationError
	if afterDelete.accepted || (afterDelete.rejected != nil && (!errors.As(afterDelete.rejected, &appErr) || appErr.Type() != errDeleted)) {
		t.Errorf("update sent with the delete: %+v", afterDelete)
	}
}

func TestWorkflowContinuesAsNewWithTheRecord(t *testing.T) {
	env := newEnv()
	env.RegisterDelayedCallback(func() { send(env, updateFlow, Change{Description: "new"}) }, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SetContinueAsNewSuggested(true)
		// Something must wake the workflow to see the suggestion.
		send(env, updateFlow, Change{})
	}, 2*time.Minute)
	env.ExecuteWorkflow(WorkflowType, newRecord())

	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next Flow
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if can.WorkflowType.Name != WorkflowType || next.Description != "new" || next.ID != "id-1" || !next.CreatedTime.Equal(created) {
		t.Errorf("continued as %s with %+v", can.WorkflowType.Name, next)
	}
}
