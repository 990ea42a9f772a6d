package interpreter

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

// This file is the asynchronous invocation of functions
// (serviceParams.InvocationType: Async, reference fdl.md §3.1): the
// invocation is a workflow of its own, fnflow.AsyncInvocation, started by
// the execution as a child, which calls the function and retries it as
// Function Compute retries a failed asynchronous invocation. With
// requestResponse the step goes on once the invocation has started; with
// sync it waits for the invocation's result.

// asyncInvocationsChange made Async function tasks invocations of their
// own. Executions that reached such a step before ran a requestResponse one
// synchronously and failed a sync one at run time, and replay so. Stored in
// histories: frozen.
const asyncInvocationsChange = "async-invocations"

// invocationRetryPolicy retries a failed invocation as Function Compute
// does by default: up to 3 times, with backoff. Errors the call marks
// non-retryable (a function that is not bound, a reply a flow cannot read)
// are not retried: another try cannot change them.
var invocationRetryPolicy = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
	MaximumAttempts:    4,
	// A result too large for Temporal, as the Go SDK's worker names it
	// (TMPRL1103, see refusedForSize): the function ran, and another run
	// would return as much.
	NonRetryableErrorTypes: []string{"payloadSizeError"},
}

// invokesAsync tells whether a task submits an asynchronous function
// invocation, to wait for it (sync) or not at all (requestResponse). A
// waitForCallback task with InvocationType Async hands its token over as any
// function task does: the function's reply is ignored either way.
func invokesAsync(s *fdl.TaskStep) bool {
	return s.Resource.Kind == fdl.ResourceFunction && s.Pattern != fdl.PatternWaitForCallback &&
		s.ServiceParams["InvocationType"] == "Async"
}

// invokeAsync submits a task's function invocation and, for sync, waits for
// its result. The invocation outlives the execution (ParentClosePolicy
// ABANDON) and is not canceled with the step: once submitted it is the
// platform's, as an asynchronous invocation of Function Compute is.
func (ex *execution) invokeAsync(ctx workflow.Context, s *fdl.TaskStep, req activities.TaskRequest, opts workflow.ActivityOptions, scheduled int64) (any, error) {
	if workflow.GetVersion(ctx, asyncInvocationsChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		if s.Pattern == fdl.PatternSync {
			return nil, unsupportedPattern(s)
		}
		return requestResponse(ctx, req, opts, taskTimeout(s, 0))
	}
	id, err := invocationID(ctx, s, req.Input, scheduled)
	if err != nil {
		return nil, err
	}
	// Disconnected: canceling the step (a failed parallel branch, a stopped
	// execution) leaves the invocation alone.
	childCtx, _ := workflow.NewDisconnectedContext(ctx)
	childCtx = workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
		WorkflowID: AsyncInvocationWorkflowID(s.Resource.Service, s.Resource.Function, id),
		// A stateful invocation ID is used once, even after its invocation
		// ended (within the namespace's retention), as on Function Compute.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         fmt.Sprintf("%s: async invocation of %s", s.Path, s.ResourceArn),
	})
	invocation := workflow.ExecuteChildWorkflow(childCtx, AsyncInvocationWorkflow, AsyncInvocationInput{Request: req, ActivityID: opts.ActivityID})
	var started workflow.Execution
	if err := invocation.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
		return nil, submitError(s, id, err)
	}
	ex.log.add(ctx, EventTaskSubmitted, s.Name, scheduled, map[string]any{"invocationId": id})
	if s.Pattern != fdl.PatternSync {
		return map[string]any{"InvocationId": id, "RequestId": started.RunID}, nil
	}
	return awaitInvocation(ctx, s, id, invocation)
}

// invocationID is the step's StatefulAsyncInvocationID, read from its input
// when it is a $ path, or else one made from the execution's run and the
// task attempt: unique, and the same on replay.
func invocationID(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, scheduled int64) (string, error) {
	if _, set := s.ServiceParams["StatefulAsyncInvocationID"]; !set {
		return fmt.Sprintf("fnflow-%s-%d", workflow.GetInfo(ctx).WorkflowExecution.RunID, scheduled), nil
	}
	params, err := s.EvalServiceParams(input)
	if err != nil {
		return "", runtimeError("serviceParams", err)
	}
	id, ok := params["StatefulAsyncInvocationID"].(string)
	if !ok || !fdl.ValidName(id) {
		return "", &FlowError{Name: fdl.ErrFunctionInvalid, Cause: fmt.Sprintf(
			"step %s: StatefulAsyncInvocationID %v is not a valid invocation ID: 1-128 letters, digits, _ and -, starting with a letter or _", s.Path, params["StatefulAsyncInvocationID"])}
	}
	return id, nil
}

func submitError(s *fdl.TaskStep, id string, err error) error {
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return &FlowError{Name: fdl.ErrInvocationAlreadyExists, Cause: fmt.Sprintf(
			"step %s: function %s already has an invocation with StatefulAsyncInvocationID %s", s.Path, s.ResourceArn, id)}
	}
	return err
}

// awaitInvocation waits for a sync task's invocation to end, at most the
// task's timeoutSeconds, and unless the step is canceled meanwhile. The
// invocation goes on either way.
func awaitInvocation(ctx workflow.Context, s *fdl.TaskStep, id string, invocation workflow.ChildWorkflowFuture) (any, error) {
	var (
		local    any
		err      error
		timedOut bool
	)
	waitCtx, stopTimer := workflow.WithCancel(ctx)
	defer stopTimer()
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(invocation, func(f workflow.Future) { err = f.Get(ctx, &local) })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { err = ctx.Err() })
	if s.TimeoutSeconds > 0 {
		timer := workflow.NewTimerWithOptions(waitCtx, taskTimeout(s, 0), workflow.TimerOptions{Summary: "timeout of " + s.Path})
		sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
	}
	sel.Select(ctx)
	switch {
	case timedOut:
		return nil, &FlowError{Name: fdl.ErrTaskTimeout, Cause: fmt.Sprintf("invocation %s did not finish within the task's timeoutSeconds; it goes on, its result unread", id)}
	case err != nil:
		var terminated *temporal.TerminatedError
		if errors.As(err, &terminated) {
			return nil, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("invocation %s was terminated", id)}
		}
		return nil, err
	}
	return local, nil
}

// AsyncInvocation is the workflow function of an asynchronous invocation:
// it calls the function as a requestResponse task does, retried by
// invocationRetryPolicy, each attempt bounded by the function's own timeout.
// Its result is the function's; a failure is a non-retryable ApplicationError
// named as the step would see it.
func AsyncInvocation(ctx workflow.Context, in AsyncInvocationInput) (any, error) {
	opts := workflow.ActivityOptions{
		ActivityID:  in.ActivityID,
		RetryPolicy: invocationRetryPolicy,
		Summary:     fmt.Sprintf("%s: invoke %s", in.Request.StepPath, in.Request.ResourceArn),
	}
	output, err := requestResponse(ctx, in.Request, opts, 0)
	if err == nil {
		return output, nil
	}
	fe := asFlowError(err)
	var timeoutErr *temporal.TimeoutError
	switch {
	case errors.As(err, &timeoutErr):
		fe.Cause = "the function did not finish within its timeout"
	case refusedForSize(err):
		fe = dataLimitExceeded("step %s: the result of invocation %s is larger than Temporal takes in one payload (%d bytes by default)", in.Request.StepPath, in.ActivityID, temporalPayloadLimit)
	}
	return nil, temporal.NewNonRetryableApplicationError(fe.Cause, fe.Name, nil)
}
