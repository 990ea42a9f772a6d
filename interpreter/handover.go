package interpreter

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

// temporalCallbacksChange made waitForCallback tasks of functions bound to
// Temporal activities run: the workflow schedules the activity with the
// token in its input. Stored in histories: frozen.
const temporalCallbacksChange = "temporal-function-callbacks"

// failHandoffTimeout bounds one try of FailHandoffActivity: one RPC.
const failHandoffTimeout = 30 * time.Second

// handOverInWorkflow makes the hand-offs an activity cannot make, once the
// attempt's token is known: it starts the task's child flow, or schedules
// the Temporal activity its function is bound to, with the token where
// $context.task.token was mapped. A hand-off that fails ends the attempt
// with its error. The returned function stops a hand-off still running when
// the attempt ends: the report decides the step, not the activity.
func (ex *execution) handOverInWorkflow(ctx workflow.Context, s *fdl.TaskStep, req activities.TaskRequest, w *waitingTask, activityID string, childFlow bool) (stop func()) {
	input := activities.FillToken(req.Input, req.TokenPlaceholder, w.token)
	switch {
	case childFlow:
		if err := ex.handOverToChild(ctx, s, input, activityID); err != nil {
			ex.failHandoff(ctx, activityID, err)
		}
	case w.handOver != nil && workflow.GetVersion(ctx, temporalCallbacksChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion:
		callCtx, cancel := workflow.WithCancel(ctx)
		timeout := taskTimeout(s, maxCallbackWait)
		if w.handOver.Timeout > 0 {
			timeout = min(timeout, w.handOver.Timeout)
		}
		call := workflow.ExecuteActivity(workflow.WithActivityOptions(callCtx, workflow.ActivityOptions{
			ActivityID:          activityID + "/call",
			TaskQueue:           w.handOver.TaskQueue,
			StartToCloseTimeout: timeout,
			// Called once, as an HTTP function is: the function holds the
			// token and may have acted on it.
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
			Summary:     fmt.Sprintf("%s: hand over to %s", s.Path, w.handOver.Activity),
		}), w.handOver.Activity, input)
		activityName := w.handOver.Activity
		workflow.Go(ctx, func(ctx workflow.Context) {
			err := call.Get(ctx, nil)
			var timedOut *temporal.TimeoutError
			switch {
			case err == nil || callCtx.Err() != nil:
				return
			case errors.As(err, &timedOut):
				err = &FlowError{Name: fdl.ErrTaskTimeout, Cause: fmt.Sprintf("activity %s did not finish within %s (the step's timeoutSeconds or its binding's timeout)", activityName, timeout)}
			}
			ex.failHandoff(ctx, activityID, err)
		})
		return cancel
	}
	return func() {}
}

// failHandoff ends a waitForCallback attempt with err, so that its step
// fails with err's name and the attempt's token is refused.
func (ex *execution) failHandoff(ctx workflow.Context, activityID string, err error) {
	fe := asFlowError(err)
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          activityID + "/fail-handoff",
		StartToCloseTimeout: failHandoffTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
		Summary:             "end " + activityID + ": its hand-off failed",
	}), activities.FailHandoffActivity, activities.FailHandoffRequest{ActivityID: activityID, Error: fe.Name, Cause: fe.Cause}).Get(ctx, nil)
}
