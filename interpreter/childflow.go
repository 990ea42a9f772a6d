package interpreter

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
)

// This file is the child-flow integration (acs:fnf:::flow/NAME). Unlike the
// other integrations it is workflow code: a child is a Temporal child
// workflow, so that it shows under its parent in the Web UI and a sync
// child stops with its parent, and only a workflow can start one. How it is
// started (its ID, timeout, input) is package executions' decision, asked
// through PrepareChildActivity, the same as for StartExecution.

// childFlowsChange made child-flow tasks run. Executions that reached such
// a step before failed it at run time and replay so. Stored in histories:
// frozen.
const childFlowsChange = "child-flows"

// prepareChildTimeout bounds one try of PrepareChildActivity: a few reads.
const prepareChildTimeout = 30 * time.Second

// runsChildFlow tells whether a task step starts a child flow in this
// execution.
func runsChildFlow(ctx workflow.Context, s *fdl.TaskStep) bool {
	return s.Resource.Kind == fdl.ResourceFlow &&
		workflow.GetVersion(ctx, childFlowsChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion
}

// runChild runs a requestResponse or sync child-flow task: requestResponse
// starts the child and goes on with StartExecution's answer as $local; sync
// waits for it and its output is $local.
func (ex *execution) runChild(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, activityID string, scheduled int64) (any, error) {
	plan, err := ex.prepareChild(ctx, s, input, activityID)
	if err != nil {
		return nil, err
	}
	if plan.Start == nil {
		return plan.Answer, nil // a running execution of that name stands for the child
	}
	if s.Pattern == fdl.PatternRequestResponse {
		if _, err := ex.startChild(ctx, plan.Start, enumspb.PARENT_CLOSE_POLICY_ABANDON); err != nil {
			return nil, err
		}
		ex.logChildStarted(ctx, s, scheduled, plan.Start)
		return plan.Answer, nil
	}
	childCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	child, err := ex.startChild(childCtx, plan.Start, enumspb.PARENT_CLOSE_POLICY_TERMINATE)
	if err != nil {
		return nil, err
	}
	ex.logChildStarted(ctx, s, scheduled, plan.Start)
	var (
		output   map[string]any
		childErr error
		timedOut bool
	)
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(child, func(f workflow.Future) { childErr = f.Get(ctx, &output) })
	if s.TimeoutSeconds > 0 {
		sel.AddFuture(workflow.NewTimer(childCtx, time.Duration(s.TimeoutSeconds)*time.Second), func(workflow.Future) { timedOut = true })
	}
	sel.Select(ctx)
	if timedOut {
		// Cancelling the context asks Temporal to cancel the child.
		return nil, &FlowError{Name: fdl.ErrTaskTimeout, Cause: fmt.Sprintf("child execution %s did not end within the task's timeoutSeconds", plan.Start.Input.ExecutionName)}
	}
	if childErr != nil {
		return nil, ex.childFailure(ctx, plan.Start, child, childErr)
	}
	return output, nil
}

// logChildStarted logs TaskSubmitted for a started child, naming it, so
// that its parent's history leads to it.
func (ex *execution) logChildStarted(ctx workflow.Context, s *fdl.TaskStep, scheduled int64, start *ExecutionStart) {
	ex.log.add(ctx, EventTaskSubmitted, s.Name, scheduled, map[string]any{
		"flowName": start.Input.FlowName, "executionName": start.Input.ExecutionName,
	})
}

// handOverToChild starts the child of a waitForCallback task, once the
// attempt's token is known, with the token in its input. The child is
// abandoned by its parent's end: it holds a token, and whoever reports it
// decides the step, not the child's own end.
func (ex *execution) handOverToChild(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, activityID string) error {
	plan, err := ex.prepareChild(ctx, s, input, activityID)
	if err != nil {
		return err
	}
	_, err = ex.startChild(ctx, plan.Start, enumspb.PARENT_CLOSE_POLICY_ABANDON)
	return err
}

// prepareChild asks executions how to start the step's child: serviceParams
// Input (an object, a JSON string, or $ for the step input, the default)
// and ExecutionName (generated when absent).
func (ex *execution) prepareChild(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, activityID string) (ChildPlan, error) {
	params, err := s.EvalServiceParams(input)
	if err != nil {
		return ChildPlan{}, runtimeError("serviceParams", err)
	}
	req := ChildRequest{FlowName: s.Resource.Name, Input: input, ReuseRunning: s.Pattern == fdl.PatternRequestResponse}
	if v, set := params["Input"]; set {
		if req.Input, err = childInput(v); err != nil {
			return ChildPlan{}, &FlowError{Name: fdl.ErrInvalidArgument, Cause: fmt.Sprintf("step %s: serviceParams.Input: %v", s.Path, err)}
		}
	}
	if v, set := params["ExecutionName"]; set {
		name, ok := v.(string)
		if !ok {
			return ChildPlan{}, &FlowError{Name: fdl.ErrInvalidArgument, Cause: fmt.Sprintf("step %s: serviceParams.ExecutionName must be a string, not %s", s.Path, fdl.JSONType(v))}
		}
		req.ExecutionName = name
	}
	var plan ChildPlan
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          activityID + "/prepare-child",
		StartToCloseTimeout: prepareChildTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
		Summary:             "prepare child execution of flow " + req.FlowName,
	}), PrepareChildActivity, req).Get(ctx, &plan)
	return plan, err
}

// childInput reads a child's Input parameter: an object, or a string
// holding one.
func childInput(v any) (map[string]any, error) {
	if text, ok := v.(string); ok {
		var decoded any
		if err := payload.Unmarshal([]byte(text), &decoded); err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		v = decoded
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a JSON object, not %s", fdl.JSONType(v))
	}
	return obj, nil
}

// startChild starts a child execution as executions planned it and waits
// until Temporal has started it.
func (ex *execution) startChild(ctx workflow.Context, start *ExecutionStart, onParentClose enumspb.ParentClosePolicy) (workflow.ChildWorkflowFuture, error) {
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:               start.WorkflowID,
		WorkflowExecutionTimeout: start.Timeout,
		// As StartExecution: an execution name is used once.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     onParentClose,
		StaticSummary:         start.Summary,
	}), ExecutionWorkflow, start.Input)
	err := child.GetChildWorkflowExecution().Get(ctx, nil)
	var exists *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &exists) {
		// Started in the moment since executions looked.
		return nil, &FlowError{Name: fdl.ErrExecutionAlreadyExists, Cause: fmt.Sprintf("execution %s of flow %s already exists", start.Input.ExecutionName, start.Input.FlowName)}
	}
	if err != nil {
		return nil, err
	}
	return child, nil
}

// childFailure names a sync child's end as its parent's step fails with
// it: a failed child's own error name and cause; for a child stopped or
// timed out, what executions reads from its end (the StopExecution error,
// FnF.Timeout).
func (ex *execution) childFailure(ctx workflow.Context, start *ExecutionStart, child workflow.ChildWorkflowFuture, err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return &FlowError{Name: appErr.Type(), Cause: appErr.Message()}
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) && ctx.Err() != nil {
		return err // the parent is being cancelled, not the child
	}
	var started workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
		return err
	}
	var outcome ChildOutcome
	readErr := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: prepareChildTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
		Summary:             "read how child execution " + start.Input.ExecutionName + " ended",
	}), ChildOutcomeActivity, ChildOutcomeRequest{
		FlowName: start.Input.FlowName, ExecutionName: start.Input.ExecutionName, RunID: started.RunID,
	}).Get(ctx, &outcome)
	if readErr != nil {
		return readErr
	}
	return &FlowError{Name: outcome.Error, Cause: outcome.Cause}
}
