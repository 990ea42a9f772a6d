package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/token"
)

// WaitForCallback runs a waitForCallback task attempt: it mints the callback
// token from this attempt's Temporal task token, puts it where the step's
// inputMappings asked for $context.task.token, hands the input over to the
// task's integration, tells the execution the task was submitted, and parks.
// The gateway completes it when a worker calls ReportTaskSucceeded or
// ReportTaskFailed with the token. The hand-off gives up at the request's
// HandoffTimeout, when the workflow would abandon it anyway.
func (a *Activities) WaitForCallback(ctx context.Context, req TaskRequest) (map[string]any, error) {
	info := activity.GetInfo(ctx)
	callbackToken := a.Tokens.SignFor(token.Callback, info.TaskToken)
	input := FillToken(req.Input, req.TokenPlaceholder, callbackToken)

	handoff, cancel := handoffContext(ctx, req)
	defer cancel()
	stopHeartbeats := a.heartbeatWhileHandingOver(ctx)
	delegate, err := a.handOver(handoff, req, input)
	stopHeartbeats()
	if err != nil {
		return nil, a.handoffFailure(ctx, handoff, req, err)
	}
	// Before the notice: whoever got the token has all of heartbeatSeconds
	// from the hand-off. Without details, it replaces any heartbeat the
	// worker sent before, so the heartbeats ListWaitingTasks and the
	// history show are the ones that came after it.
	a.heartbeatHandoff(ctx)
	submitted := TaskSubmitted{ActivityID: info.ActivityID, TaskToken: callbackToken, HandOver: delegate}
	err = a.Temporal.SignalWorkflow(handoff, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, TaskSubmittedSignal, submitted)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		// The execution ended first, typically because the worker reported
		// at once: no one is left to tell, and the report decided the step.
		a.logger().Debug("execution ended before the task's hand-off was recorded", "workflowID", info.WorkflowExecution.ID, "step", req.StepPath)
		a.Handoffs.count(handoffSubmitted)
	case err != nil:
		return nil, a.handoffFailure(ctx, handoff, req, temporal.NewApplicationError(fmt.Sprintf("recording that the task was submitted: %v", err), fdl.ErrRuntime))
	default:
		a.logger().Info("task waits for callback", "workflowID", info.WorkflowExecution.ID, "step", req.StepPath, "token", token.Redact(callbackToken))
		a.Handoffs.count(handoffSubmitted)
	}
	// Returned as is: the SDK recognises ErrResultPending by identity.
	return nil, activity.ErrResultPending
}

// heartbeatWhileHandingOver heartbeats a waitForCallback attempt whose step
// has heartbeatSeconds while it hands its work over: Temporal counts the
// heartbeat timeout from the attempt's start, and a slow function must not
// trip it. The heartbeats go straight to Temporal, not through the SDK's
// batching, which would send the last one after the attempt returned and
// could overwrite the first heartbeat, and its details, of whoever got the
// token. stop returns once they have stopped. A worker that dies stops them
// too: the heartbeat timeout then ends the hand-off, as its deadline would.
func (a *Activities) heartbeatWhileHandingOver(ctx context.Context) (stop func()) {
	every := activity.GetInfo(ctx).HeartbeatTimeout / 3
	if every <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				a.heartbeatHandoff(ctx)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// heartbeatHandoff records one heartbeat, without details, for an attempt
// whose step has heartbeatSeconds. A heartbeat that fails is only logged:
// the attempt's own deadlines decide what becomes of it.
func (a *Activities) heartbeatHandoff(ctx context.Context) {
	info := activity.GetInfo(ctx)
	if info.HeartbeatTimeout <= 0 {
		return
	}
	if err := a.Temporal.RecordActivityHeartbeat(ctx, info.TaskToken); err != nil && ctx.Err() == nil {
		a.logger().Debug("heartbeat of a callback hand-off failed", "workflowID", info.WorkflowExecution.ID, "activityID", info.ActivityID, "error", err)
	}
}

// HandoffStopped is the failure of a waitForCallback attempt whose hand-off
// stopped heartbeating before it was recorded: its worker died or stopped.
// It is the failure of a hand-off that did not finish in time
// (fdl.ErrTaskSubmitTimeout), so the step is handed over again.
func HandoffStopped(cause string) error {
	return asSubmitFailure(temporal.NewApplicationError(cause, fdl.ErrTaskSubmitTimeout))
}

// handoffFailure is what a hand-off that failed with err returns. A hand-off
// cut short by its worker stopping is left pending: its outcome cannot be
// reported reliably from a stopping worker and the function may hold the
// token, so the workflow's hand-off deadline abandons it and hands the step
// over again. Attempts recorded without a deadline fail as before.
func (a *Activities) handoffFailure(ctx, handoff context.Context, req TaskRequest, err error) error {
	if ctx.Err() == nil || req.HandoffTimeout <= 0 {
		if handoff.Err() != nil {
			a.Handoffs.count(handoffTimedOut)
		} else {
			a.Handoffs.count(handoffFailed)
		}
		return asSubmitFailure(handoffError(handoff, err))
	}
	a.Handoffs.count(handoffInterrupted)
	info := activity.GetInfo(ctx)
	a.logger().Warn("worker stopped during a callback hand-off; the step is handed over again after the hand-off timeout",
		"workflowID", info.WorkflowExecution.ID, "step", req.StepPath, "handoffTimeout", req.HandoffTimeout.String(), "error", err)
	// Returned as is: the SDK recognises ErrResultPending by identity.
	return activity.ErrResultPending
}

// FillToken returns input with the callback token wherever the
// interpreter put placeholder for $context.task.token.
func FillToken(input map[string]any, placeholder, callbackToken string) map[string]any {
	return replaceString(input, placeholder, callbackToken).(map[string]any)
}

// replaceString returns v with every string equal to old replaced by new.
func replaceString(v any, old, new string) any {
	switch v := v.(type) {
	case string:
		if old != "" && v == old {
			return new
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = replaceString(e, old, new)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = replaceString(e, old, new)
		}
		return out
	default:
		return v
	}
}
