package interpreter

import (
	"cmp"
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
	// maxHandoffs is how many times one attempt of a callback task is
	// handed over when hand-offs time out, before it fails with
	// FnF.TaskSubmitTimeout.
	maxHandoffs = 3
	// abandonTimeout bounds one try of AbandonHandoff: two RPCs.
	abandonTimeout = 30 * time.Second
	// handoffDeadlineChange guards the hand-off deadline of callback tasks:
	// executions recorded before it replay without the timer. Version
	// handoffDeadlineCancelled cancels the deadline's timer once the
	// hand-off is done; before it the timer ran out anyway and woke a
	// waiting execution for nothing (a workflow task, and a replay of the
	// whole history once the worker's cache had let it go). Stored in
	// histories: frozen.
	handoffDeadlineChange    = "callback-handoff-deadline"
	handoffDeadlineCancelled = 2
	// messageTasksChange made queue and topic tasks run: their requests carry
	// the step's serviceParams. Executions that reached such a step before
	// failed it at run time and replay without them. Stored in histories:
	// frozen.
	messageTasksChange = "message-tasks"
	// actionTasksChange made action tasks run: their requests carry the
	// action and its serviceParams. Executions that reached an action step
	// before failed it at run time and replay without them. Stored in
	// histories: frozen.
	actionTasksChange = "action-tasks"
)

// runTask runs a task step: attempts, FDL retries and catches. Retries are the
// interpreter's, never Temporal's, so each attempt of a callback task mints a
// fresh token and the token of a finished attempt stays dead.
func (ex *execution) runTask(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, entered int64) (outcome, error) {
	retries := make([]int, len(s.Retry))
	for {
		local, err := ex.handOver(ctx, s, input, entered)
		if err == nil {
			return outcome{local: local}, nil
		}
		fe := asFlowError(err)
		if ex.limits.endsExecution(fe) {
			return outcome{}, fe
		}
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

// handOver runs an attempt of a task step and, while its hand-off times out,
// runs it again with a fresh token, up to maxHandoffs times. The function may
// so see the step more than once; the tokens of the abandoned hand-offs are
// refused.
func (ex *execution) handOver(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, entered int64) (any, error) {
	for n := 1; ; n++ {
		local, err := ex.runTaskAttempt(ctx, s, input, entered)
		if err == nil || n == maxHandoffs || asFlowError(err).Name != fdl.ErrTaskSubmitTimeout {
			return local, err
		}
	}
}

// runTaskAttempt runs one attempt of a task step and logs its task events.
func (ex *execution) runTaskAttempt(ctx workflow.Context, s *fdl.TaskStep, input map[string]any, entered int64) (any, error) {
	detail := map[string]any{"resourceArn": s.ResourceArn, "pattern": string(s.Pattern), "input": input}
	target := s.ResourceArn
	if s.Action != "" {
		detail["action"], target = s.Action, s.Action
	}
	scheduled := ex.log.add(ctx, EventTaskScheduled, s.Name, entered, detail)
	req := activities.TaskRequest{StepPath: s.Path, Resource: s.Resource, ResourceArn: s.ResourceArn, Input: input}
	switch {
	case s.Action != "":
		if workflow.GetVersion(ctx, actionTasksChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion {
			req.Action, req.ServiceParams = s.Action, s.ServiceParams
		}
	case s.Resource.Kind == fdl.ResourceQueue || s.Resource.Kind == fdl.ResourceTopic:
		if workflow.GetVersion(ctx, messageTasksChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion {
			req.ServiceParams = s.ServiceParams
		}
	}
	opts := workflow.ActivityOptions{
		ActivityID:  fmt.Sprintf("%s#%d", s.Path, scheduled),
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:     fmt.Sprintf("%s: %s %s", s.Path, s.Pattern, target),
	}
	var (
		local any
		err   error
		// heartbeat is the last heartbeat of a callback task, for its
		// ending event; nil when none was forwarded.
		heartbeat map[string]any
	)
	childFlow := runsChildFlow(ctx, s)
	switch {
	case invokesAsync(s):
		local, err = ex.invokeAsync(ctx, s, req, opts, scheduled)
	case s.Pattern == fdl.PatternWaitForCallback:
		local, heartbeat, err = ex.waitForCallback(ctx, s, req, opts, scheduled, childFlow)
	case childFlow && (s.Pattern == fdl.PatternRequestResponse || s.Pattern == fdl.PatternSync):
		local, err = ex.runChild(ctx, s, input, opts.ActivityID, scheduled)
	case s.Pattern == fdl.PatternRequestResponse:
		local, err = requestResponse(ctx, req, opts, taskTimeout(s, 0))
	default:
		err = unsupportedPattern(s)
	}
	err = ex.limits.taskError(s, err)
	if err != nil {
		fe := asFlowError(err)
		ex.log.add(ctx, taskFailureEvent(err), s.Name, scheduled, withHeartbeat(map[string]any{"error": fe.Name, "cause": fe.Cause}, heartbeat))
		return nil, fe
	}
	ex.log.add(ctx, EventTaskSucceeded, s.Name, scheduled, withHeartbeat(map[string]any{"output": local}, heartbeat))
	return local, nil
}

// withHeartbeat adds a task's last heartbeat, if it has one, to the detail
// of its ending event.
func withHeartbeat(detail, heartbeat map[string]any) map[string]any {
	if heartbeat != nil {
		detail[lastHeartbeatKey] = heartbeat
	}
	return detail
}

func taskFailureEvent(err error) EventType {
	switch {
	case activities.IsSubmitFailure(err):
		return EventTaskSubmitFailed
	case asFlowError(err).Name == fdl.ErrTaskTimeout, asFlowError(err).Name == fdl.ErrHeartbeatTimeout:
		return EventTaskTimedOut
	default:
		return EventTaskFailed
	}
}

// unsupportedPattern fails a task whose pattern this fnflow version does not
// run for its integration.
func unsupportedPattern(s *fdl.TaskStep) error {
	return &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: pattern %s is not supported by this fnflow version", s.Path, s.Pattern)}
}

// requestResponse runs the task and waits for its result. timeout is the
// flow's timeoutSeconds, zero when it has none: then a call is bounded by
// defaultFunctionTimeout and a function bound to a Temporal activity by its
// binding's timeout. Each attempt that opts' retry policy allows gets the
// whole timeout.
func requestResponse(ctx workflow.Context, req activities.TaskRequest, opts workflow.ActivityOptions, timeout time.Duration) (any, error) {
	boundAttempts(&opts, cmp.Or(timeout, defaultFunctionTimeout))
	opts.HeartbeatTimeout = functionHeartbeatTimeout
	var result activities.InvokeResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.RequestResponseActivity, req).Get(ctx, &result); err != nil {
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
	if timeout == 0 && result.Delegate.Timeout > 0 {
		boundAttempts(&delegated, result.Delegate.Timeout)
	}
	var delegateInput any = req.Input
	if result.DelegateInput != nil {
		delegateInput = result.DelegateInput
	}
	var output any
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, delegated), result.Delegate.Activity, delegateInput).Get(ctx, &output)
	return output, err
}

// boundAttempts bounds each attempt of an activity by d.
func boundAttempts(opts *workflow.ActivityOptions, d time.Duration) {
	opts.StartToCloseTimeout = d
	if opts.RetryPolicy != nil && opts.RetryPolicy.MaximumAttempts == 1 {
		// With one attempt the two are the same deadline; saying both keeps
		// a queued-but-unstarted attempt from outliving it.
		opts.ScheduleToCloseTimeout = d
	}
}

// callbackHeartbeatChange gives callback tasks with heartbeatSeconds a
// heartbeat timeout. Asked only by such tasks, so other histories carry no
// marker. Stored in histories: frozen.
const callbackHeartbeatChange = "callback-heartbeat"

// waitForCallback parks the step until a worker reports its token, and
// returns the report and the last heartbeat the report forwarded (nil when
// none did). childFlow says the task's child flow is started by the
// workflow once the token is known.
func (ex *execution) waitForCallback(ctx workflow.Context, s *fdl.TaskStep, req activities.TaskRequest, opts workflow.ActivityOptions, scheduled int64, childFlow bool) (any, map[string]any, error) {
	opts.StartToCloseTimeout = taskTimeout(s, maxCallbackWait)
	// With one attempt the two are the same deadline; saying both keeps a
	// queued-but-unstarted attempt from outliving timeoutSeconds.
	opts.ScheduleToCloseTimeout = opts.StartToCloseTimeout
	req.TokenPlaceholder = taskTokenPlaceholder
	heartbeats := s.HeartbeatSeconds > 0 && workflow.GetVersion(ctx, callbackHeartbeatChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion
	if heartbeats {
		opts.HeartbeatTimeout = time.Duration(s.HeartbeatSeconds) * time.Second
	}
	deadlineVersion := workflow.GetVersion(ctx, handoffDeadlineChange, workflow.DefaultVersion, handoffDeadlineCancelled)
	supervised := deadlineVersion > workflow.DefaultVersion
	if supervised {
		req.HandoffTimeout = ex.opts.Handoff()
	}
	w := &waitingTask{stepName: s.Name, scheduledEventID: scheduled, description: fmt.Sprintf("%s (%s)", s.Path, s.ResourceArn)}
	ex.waiting[opts.ActivityID] = w
	ex.showWaiting(ctx)
	attempt := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.WaitForCallbackActivity, req)
	var err error
	if supervised {
		err = ex.superviseHandoff(ctx, w, opts.ActivityID, attempt, deadlineVersion >= handoffDeadlineCancelled)
	}
	if err == nil && w.submitted && !attempt.IsReady() {
		stopHandOver := ex.handOverInWorkflow(ctx, s, req, w, opts.ActivityID, childFlow)
		defer stopHandOver()
	}
	var local any
	if err == nil {
		err = attempt.Get(ctx, &local)
	}
	if heartbeats {
		err = heartbeatTimeout(err, w.submitted, s.HeartbeatSeconds)
	}
	lastHeartbeat := ex.lastHeartbeat(ctx, opts.ActivityID)
	delete(ex.waiting, opts.ActivityID)
	ex.showWaiting(ctx)
	if !w.submitted && (err == nil || taskFailureEvent(err) == EventTaskFailed) {
		// A worker reported before the task's own notice was logged; the
		// token is the one the worker used, which the log knows only if the
		// notice arrived while the hand-off was being checked.
		detail := map[string]any{}
		if w.heldToken != "" {
			detail["taskToken"] = w.heldToken
		}
		ex.log.add(ctx, EventTaskSubmitted, s.Name, scheduled, detail)
	}
	return local, lastHeartbeat, err
}

// superviseHandoff returns once the attempt's token is logged or the attempt
// is about to end. A hand-off not logged within the hand-off timeout (its
// worker died, hung or stopped) is abandoned: AbandonHandoff fails the
// attempt with FnF.TaskSubmitTimeout, and Temporal refuses its token.
// cancelTimer says whether the deadline's timer is cancelled once the
// hand-off is done (handoffDeadlineCancelled).
func (ex *execution) superviseHandoff(ctx workflow.Context, w *waitingTask, activityID string, attempt workflow.Future, cancelTimer bool) error {
	wait := ex.opts.Handoff()
	handedOff := func() bool { return w.submitted || attempt.IsReady() }
	for check := 1; ; check++ {
		timer := workflow.TimerOptions{Summary: "hand-off deadline " + activityID}
		var done bool
		var err error
		if cancelTimer {
			done, err = awaitCancellingTimer(ctx, wait, timer, handedOff)
		} else {
			// The SDK's AwaitWithOptions leaves its timer running.
			done, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait, TimerOptions: timer}, handedOff)
		}
		if err != nil || done {
			return err
		}
		w.checking = true
		var res activities.AbandonHandoffResult
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			ActivityID:          fmt.Sprintf("%s/abandon-%d", activityID, check),
			StartToCloseTimeout: abandonTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
			Summary:             "abandon the overdue hand-off of " + activityID,
		}), activities.AbandonHandoffActivity, activities.AbandonHandoffRequest{ActivityID: activityID, HandoffTimeout: ex.opts.Handoff()}).Get(ctx, &res)
		w.checking = false
		switch {
		case err != nil:
			return err
		case res.WaitMore == 0:
			w.abandoned = true
			return nil
		case w.heldToken != "":
			// The hand-off finished in time after all.
			ex.logSubmitted(ctx, w, w.heldToken)
			return nil
		}
		wait = res.WaitMore
	}
}

// awaitCancellingTimer waits until condition holds or wait has passed, as
// workflow.AwaitWithOptions does, and cancels its timer when the condition
// comes first.
func awaitCancellingTimer(ctx workflow.Context, wait time.Duration, options workflow.TimerOptions, condition func() bool) (bool, error) {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimerWithOptions(timerCtx, wait, options)
	if err := workflow.Await(ctx, func() bool { return condition() || timer.IsReady() }); err != nil {
		return false, err
	}
	return condition(), nil
}

func taskTimeout(s *fdl.TaskStep, fallback time.Duration) time.Duration {
	if s.TimeoutSeconds > 0 {
		return time.Duration(s.TimeoutSeconds) * time.Second
	}
	return fallback
}
