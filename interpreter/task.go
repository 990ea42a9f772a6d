package interpreter

import (
	"fmt"
	"math"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

const (
	// maxCallbackWait bounds a callback task without timeoutSeconds: the
	// managed service lets an execution live a year (reference fdl.md §7).
	maxCallbackWait = 366 * 24 * time.Hour
	// defaultFunctionTimeout bounds a requestResponse call without
	// timeoutSeconds; Function Compute's own ceiling is a day.
	defaultFunctionTimeout = 24 * time.Hour
	// functionHeartbeatTimeout notices a worker that died mid-call.
	functionHeartbeatTimeout = time.Minute
)

// runTask runs a task step: attempts, FDL retries and catches. Retries are the
// interpreter's, never Temporal's, so each attempt of a callback task mints a
// fresh token and the token of a finished attempt stays dead.
func (ex *execution) runTask(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, entered int64) (outcome, error) {
	retries := make([]int, len(s.Retry))
	for {
		local, err := ex.runTaskAttempt(ctx, s, input, entered)
		if err == nil {
			return outcome{local: local}, nil
		}
		fe := asFlowError(err)
		if delay, ok := nextRetry(s.Retry, retries, fe.Name); ok {
			if err := workflow.NewTimerWithOptions(ctx, delay, workflow.TimerOptions{Summary: "retry " + s.Path}).Get(ctx, nil); err != nil {
				return outcome{}, err
			}
			continue
		}
		for _, c := range s.Catch {
			if !matches(c.Errors, fe.Name) {
				continue
			}
			output := map[string]any{}
			if len(s.ErrorMappings) > 0 {
				output, err = fdl.EvalMappings(s.ErrorMappings, fdl.Vars{
					Input:   input,
					Local:   fdl.ErrorLocal(fe.Name, fe.Cause),
					Context: ex.contextVar(&s.StepCommon, entered, false),
				})
				if err != nil {
					return outcome{}, runtimeError("errorMappings", err)
				}
			}
			return outcome{output: output, gotoTarget: c.Goto}, nil
		}
		return outcome{}, fe
	}
}

// nextRetry finds the first retry policy naming the error. If it has retries
// left it counts one and returns the wait before it (reference fdl.md §4.1).
// A matching policy with no retries left ends the search: catch comes next.
func nextRetry(policies []fdl.RetryPolicy, used []int, name string) (time.Duration, bool) {
	for i, p := range policies {
		if !matches(p.Errors, name) {
			continue
		}
		if used[i] >= p.MaxAttempts {
			return 0, false
		}
		used[i]++
		seconds := float64(p.IntervalSeconds) * math.Pow(p.Multiplier, float64(used[i]-1))
		if p.MaxIntervalSeconds > 0 {
			seconds = math.Min(seconds, float64(p.MaxIntervalSeconds))
		}
		return time.Duration(seconds * float64(time.Second)), true
	}
	return 0, false
}

// runTaskAttempt runs one attempt of a task step and logs its task events.
func (ex *execution) runTaskAttempt(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, entered int64) (any, error) {
	scheduled := ex.log.add(ctx, EventTaskScheduled, s.Name, entered, map[string]any{
		"resourceArn": s.ResourceArn, "pattern": string(s.Pattern), "input": input,
	})
	req := activities.TaskRequest{StepPath: s.Path, Resource: s.Resource, ResourceArn: s.ResourceArn, Input: input}
	opts := workflow.ActivityOptions{
		ActivityID:  fmt.Sprintf("%s#%d", s.Path, scheduled),
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:     fmt.Sprintf("%s: %s %s", s.Path, s.Pattern, s.ResourceArn),
	}
	var (
		local any
		err   error
	)
	switch s.Pattern {
	case fdl.PatternWaitForCallback:
		local, err = ex.waitForCallback(ctx, s, req, opts, scheduled)
	case fdl.PatternRequestResponse:
		local, err = ex.invokeFunction(ctx, s, req, opts)
	default:
		err = &FlowError{Name: ErrRuntime, Cause: fmt.Sprintf("step %s: pattern %s is not supported by this fnflow version", s.Path, s.Pattern)}
	}
	if err != nil {
		fe := asFlowError(err)
		ex.log.add(ctx, taskFailureEvent(err), s.Name, scheduled, map[string]any{"error": fe.Name, "cause": fe.Cause})
		return nil, fe
	}
	ex.log.add(ctx, EventTaskSucceeded, s.Name, scheduled, map[string]any{"output": local})
	return local, nil
}

func taskFailureEvent(err error) EventType {
	switch {
	case activities.IsSubmitFailure(err):
		return EventTaskSubmitFailed
	case asFlowError(err).Name == ErrTaskTimeout:
		return EventTaskTimedOut
	default:
		return EventTaskFailed
	}
}

// invokeFunction calls a function and waits for its result.
func (ex *execution) invokeFunction(ctx workflow.Context, s *fdl.TaskStep, req activities.TaskRequest, opts workflow.ActivityOptions) (any, error) {
	opts.StartToCloseTimeout = taskTimeout(s, defaultFunctionTimeout)
	opts.ScheduleToCloseTimeout = opts.StartToCloseTimeout
	opts.HeartbeatTimeout = functionHeartbeatTimeout
	var result activities.InvokeResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.InvokeFunctionActivity, req).Get(ctx, &result); err != nil {
		return nil, err
	}
	if result.Delegate == nil {
		return result.Output, nil
	}
	// The function is a Temporal activity on its own task queue.
	delegated := opts
	delegated.ActivityID = opts.ActivityID + "/call"
	delegated.TaskQueue = result.Delegate.TaskQueue
	delegated.HeartbeatTimeout = 0
	if s.TimeoutSeconds == 0 && result.Delegate.Timeout > 0 {
		delegated.StartToCloseTimeout = result.Delegate.Timeout
		delegated.ScheduleToCloseTimeout = result.Delegate.Timeout
	}
	var output any
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, delegated), result.Delegate.Activity, req.Input).Get(ctx, &output)
	return output, err
}

// waitForCallback parks the step until a worker reports its token.
func (ex *execution) waitForCallback(ctx workflow.Context, s *fdl.TaskStep, req activities.TaskRequest, opts workflow.ActivityOptions, scheduled int64) (any, error) {
	opts.StartToCloseTimeout = taskTimeout(s, maxCallbackWait)
	// With one attempt the two are the same deadline; saying both keeps a
	// queued-but-unstarted attempt from outliving timeoutSeconds.
	opts.ScheduleToCloseTimeout = opts.StartToCloseTimeout
	req.TokenPlaceholder = taskTokenPlaceholder
	w := &waitingTask{stepName: s.Name, scheduledEventID: scheduled, description: fmt.Sprintf("%s (%s)", s.Path, s.ResourceArn)}
	ex.waiting[opts.ActivityID] = w
	ex.showWaiting(ctx)
	var local any
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.WaitForCallbackActivity, req).Get(ctx, &local)
	delete(ex.waiting, opts.ActivityID)
	ex.showWaiting(ctx)
	if !w.submitted && (err == nil || taskFailureEvent(err) == EventTaskFailed) {
		// A worker reported before the task's own notice arrived; the token
		// is the one the worker used, which the log cannot know.
		ex.log.add(ctx, EventTaskSubmitted, s.Name, scheduled, map[string]any{})
	}
	return local, err
}

func taskTimeout(s *fdl.TaskStep, fallback time.Duration) time.Duration {
	if s.TimeoutSeconds > 0 {
		return time.Duration(s.TimeoutSeconds) * time.Second
	}
	return fallback
}
