package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
)

// AbandonHandoff ends a waitForCallback attempt that started more than
// HandoffTimeout ago and is still pending, failing it with
// fdl.ErrTaskSubmitTimeout. From then on Temporal refuses its token, so a
// token the function may have seen cannot complete the step.
func (a *Activities) AbandonHandoff(ctx context.Context, req AbandonHandoffRequest) (AbandonHandoffResult, error) {
	info := activity.GetInfo(ctx)
	exec := info.WorkflowExecution
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, exec.ID, exec.RunID)
	if err != nil {
		return AbandonHandoffResult{}, fmt.Errorf("describing execution %s to check the hand-off of %s: %w", exec.ID, req.ActivityID, err)
	}
	pending := findPendingActivity(desc.GetPendingActivities(), req.ActivityID)
	if pending == nil {
		// Ended: a report, or the attempt's own failure, won the race.
		return AbandonHandoffResult{}, nil
	}
	if pending.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED {
		// No worker holds it, so nothing is stranded; Temporal also refuses
		// to complete an attempt that has not started.
		return AbandonHandoffResult{WaitMore: req.HandoffTimeout}, nil
	}
	if elapsed := time.Since(pending.GetLastStartedTime().AsTime()); elapsed < req.HandoffTimeout {
		return AbandonHandoffResult{WaitMore: req.HandoffTimeout - elapsed}, nil
	}
	failure := asSubmitFailure(temporal.NewApplicationError(
		fmt.Sprintf("the hand-off was not recorded within %s (its worker stopped, died or hung); its token is refused", req.HandoffTimeout),
		fdl.ErrTaskSubmitTimeout))
	err = a.Temporal.CompleteActivityByID(ctx, info.WorkflowNamespace, exec.ID, exec.RunID, req.ActivityID, nil, failure)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		a.logger().Debug("hand-off ended before it could be abandoned", "workflowID", exec.ID, "activityID", req.ActivityID)
		return AbandonHandoffResult{}, nil
	}
	if err != nil {
		return AbandonHandoffResult{}, fmt.Errorf("failing the abandoned hand-off of %s in %s: %w", req.ActivityID, exec.ID, err)
	}
	a.Handoffs.count(handoffAbandoned)
	a.logger().Warn("abandoned a callback hand-off that was not recorded in time; the step is handed over again",
		"workflowID", exec.ID, "activityID", req.ActivityID, "handoffTimeout", req.HandoffTimeout.String())
	return AbandonHandoffResult{}, nil
}

// FailHandoff ends a waitForCallback attempt with the failure of the
// hand-off its workflow made (a child flow that could not start, a Temporal
// activity that failed), marked as a failure to hand the work over. An
// attempt that has already ended is left as it is.
func (a *Activities) FailHandoff(ctx context.Context, req FailHandoffRequest) error {
	info := activity.GetInfo(ctx)
	exec := info.WorkflowExecution
	failure := asSubmitFailure(temporal.NewNonRetryableApplicationError(req.Cause, req.Error, nil))
	err := a.Temporal.CompleteActivityByID(ctx, info.WorkflowNamespace, exec.ID, exec.RunID, req.ActivityID, nil, failure)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		// Ended already: there was nothing left to fail.
	case err != nil:
		return fmt.Errorf("failing the hand-off of %s in %s: %w", req.ActivityID, exec.ID, err)
	default:
		a.Handoffs.count(handoffFailed)
	}
	return nil
}

func findPendingActivity(pending []*workflowpb.PendingActivityInfo, activityID string) *workflowpb.PendingActivityInfo {
	for _, p := range pending {
		if p.GetActivityId() == activityID {
			return p
		}
	}
	return nil
}

// handoffContext bounds a hand-off to HandoffTimeout from the attempt's
// start, the same instant AbandonHandoff measures from.
func handoffContext(ctx context.Context, req TaskRequest) (context.Context, context.CancelFunc) {
	if req.HandoffTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, activity.GetInfo(ctx).StartedTime.Add(req.HandoffTimeout))
}

// handoffError names a hand-off step's failure: fdl.ErrTaskSubmitTimeout when
// the hand-off ran out of time, err as it is otherwise.
func handoffError(handoff context.Context, err error) error {
	if handoff.Err() == nil {
		return err
	}
	return temporal.NewApplicationError(fmt.Sprintf("the hand-off did not finish: %v", err), fdl.ErrTaskSubmitTimeout)
}
