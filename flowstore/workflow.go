package flowstore

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Names of the flow entity workflow and its messages. They are part of every
// stored flow's history: renaming one breaks the flows already stored.
const (
	// WorkflowType is the Temporal workflow type that holds one flow.
	WorkflowType = "fnflow.Flow"
	// updateFlow applies a Change and returns the new record.
	updateFlow = "fnflow.flow.update"
	// deleteFlow ends the workflow, which is what deletes the flow.
	deleteFlow = "fnflow.flow.delete"
	// memoKey is where the record is mirrored in the memo, so that reads come
	// from DescribeWorkflowExecution and ListWorkflowExecutions alone.
	memoKey = "flow"
	// errDeleted is the ApplicationError type of an update refused because the
	// flow is being deleted.
	errDeleted = "FlowDeleted"
)

// WorkflowID is the Temporal workflow ID of the flow called name. Execution
// IDs are "<flow>/<execution>", and flow names hold no "/", so the two never
// collide.
func WorkflowID(name string) string { return "flow:" + name }

// Register registers the flow workflow with a worker on the store's task
// queue (or with a replayer).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
}

// Workflow holds one flow record until the flow is deleted. It starts with the
// record the store created (ID and CreatedTime already set, the memo already
// holding it), applies updates one at a time, and continues as new with the
// current record when the server suggests it, which keeps a flow that is
// updated often alive forever.
func Workflow(ctx workflow.Context, f Flow) error {
	deleted := false
	refuseWhenDeleted := func() error {
		if deleted {
			return temporal.NewApplicationError("the flow is being deleted", errDeleted)
		}
		return nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, updateFlow,
		func(ctx workflow.Context, c Change) (Flow, error) {
			next := c.apply(f)
			if next == f {
				// Re-deploying the same definition (fnflow dev at every start)
				// must not bump LastModifiedTime or grow the history.
				return f, nil
			}
			next.LastModifiedTime = workflow.Now(ctx).UTC()
			if err := workflow.UpsertMemo(ctx, map[string]any{memoKey: next}); err != nil {
				return f, fmt.Errorf("mirroring flow %s in the memo: %w", f.Name, err)
			}
			f = next
			return f, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(Change) error { return refuseWhenDeleted() }},
	); err != nil {
		return fmt.Errorf("registering %s: %w", updateFlow, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, deleteFlow,
		func(workflow.Context) error {
			deleted = true
			return nil
		},
		workflow.UpdateHandlerOptions{Validator: refuseWhenDeleted},
	); err != nil {
		return fmt.Errorf("registering %s: %w", deleteFlow, err)
	}

	if err := workflow.Await(ctx, func() bool {
		return deleted || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	// Updates accepted in the meantime finish first, so that none is lost to
	// the end of this run.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if deleted {
		return nil
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowType, f)
}
