package interpreter

import (
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// An execution started with a CallbackToken (StartExecution's
// CallbackFnFTaskToken) reports its outcome to that token when it ends. It
// cannot do so itself when it is stopped or times out, as no more of its
// code runs then; so its first act is to start an ExecutionCallbackWorkflow
// (package executions) as a child it abandons, which outlives it and
// reports however it ended. Executions recorded before had no CallbackToken
// (StartExecution refused it), so this path needs no version.
//
// StartExecution starts the callback workflow itself, right after the
// execution (executions.Service.Start), for an execution stopped before its
// first workflow task; the start here finds it started and goes on.

// startCallback starts the execution's callback workflow and returns it
// once started.
func (ex *execution) startCallback(ctx workflow.Context) (workflow.Execution, error) {
	info := workflow.GetInfo(ctx)
	cb := ExecutionCallback{
		FlowName:      ex.in.FlowName,
		ExecutionName: ex.in.ExecutionName,
		RunID:         info.WorkflowExecution.RunID,
		CallbackToken: ex.in.CallbackToken,
	}
	if info.WorkflowExecutionTimeout > 0 {
		cb.Deadline = info.WorkflowStartTime.Add(info.WorkflowExecutionTimeout)
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        ExecutionCallbackWorkflowID(ex.in.FlowName, ex.in.ExecutionName),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:     "report the outcome of " + ExecutionWorkflowID(ex.in.FlowName, ex.in.ExecutionName) + " to its callback token",
	}), ExecutionCallbackWorkflow, cb)
	var started workflow.Execution
	err := child.GetChildWorkflowExecution().Get(ctx, &started)
	var exists *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &exists) {
		// StartExecution started it already, as it should: an execution
		// stopped before its first workflow task runs none of this code.
		// Starting it here too covers a gateway that died in between.
		return workflow.Execution{ID: ExecutionCallbackWorkflowID(ex.in.FlowName, ex.in.ExecutionName)}, nil
	}
	return started, err
}

// nudgeCallback tells the callback workflow the execution is ending, so it
// reports now rather than at its next check. Best effort: a nudge lost is a
// report an hour late, never a report lost.
func (ex *execution) nudgeCallback(ctx workflow.Context, callback workflow.Execution) {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if err := workflow.SignalExternalWorkflow(ctx, callback.ID, callback.RunID, ExecutionEndedSignal, nil).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the callback workflow that the execution ended", "error", err)
	}
}
