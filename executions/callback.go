package executions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
)

// This file reports an execution's outcome to the task token it was started
// with (StartExecution's CallbackFnFTaskToken). The execution starts an
// interpreter.ExecutionCallbackWorkflow as its first act and, abandoned by
// the execution's end, it outlives it: it reports however the execution
// ends, also when it is stopped or times out and runs no more code of its
// own. A report is exactly once because Temporal completes a task once: a
// report retried after a crash finds the task completed and is done.

// reportOutcomeActivity reports the outcome once the execution has ended.
// Stored in histories: frozen.
const reportOutcomeActivity = "fnflow.ReportExecutionOutcome"

const (
	// callbackBackstop is how long the callback workflow waits without news
	// before it looks: an execution ended with Temporal's own tools sends no
	// ExecutionEndedSignal.
	callbackBackstop = time.Hour
	// callbackGrace is how long after the execution's deadline the callback
	// workflow looks: Temporal ends a timed-out execution about then.
	callbackGrace = 5 * time.Second
	// callbackWaitForEnd bounds how long a nudged report waits for the
	// execution to close: the signal comes just before it does.
	callbackWaitForEnd = 30 * time.Second
	// callbackChecksPerRun keeps the callback workflow's history short:
	// after that many checks it continues as new.
	callbackChecksPerRun = 500
)

// reportRequest asks reportOutcomeActivity to report if the execution has
// ended, waiting up to callbackWaitForEnd for its end when WaitForEnd.
type reportRequest struct {
	Callback   interpreter.ExecutionCallback
	WaitForEnd bool
}

// callbackWorkflow is the interpreter.ExecutionCallbackWorkflow: it checks
// for the execution's end when told it ended, at its deadline, and once an
// hour otherwise, until the report is made.
func callbackWorkflow(ctx workflow.Context, cb interpreter.ExecutionCallback) error {
	ended := workflow.GetSignalChannel(ctx, interpreter.ExecutionEndedSignal)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: callbackWaitForEnd + time.Minute,
		HeartbeatTimeout:    callbackWaitForEnd,
		// Retried until it reports: a report lost is a parent stuck.
		RetryPolicy: &temporal.RetryPolicy{MaximumInterval: time.Minute},
		Summary:     fmt.Sprintf("report the outcome of %s/%s", cb.FlowName, cb.ExecutionName),
	})
	for check := 0; check < callbackChecksPerRun; check++ {
		wait := callbackBackstop
		if !cb.Deadline.IsZero() {
			wait = min(wait, max(cb.Deadline.Sub(workflow.Now(ctx))+callbackGrace, callbackGrace))
		}
		nudged, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return ended.Len() > 0 })
		if err != nil {
			return err
		}
		for ended.ReceiveAsync(nil) {
		}
		var reported bool
		if err := workflow.ExecuteActivity(ctx, reportOutcomeActivity, reportRequest{Callback: cb, WaitForEnd: nudged}).Get(ctx, &reported); err != nil {
			return err
		}
		if reported {
			return nil
		}
	}
	return workflow.NewContinueAsNewError(ctx, interpreter.ExecutionCallbackWorkflow, cb)
}

// callbackReporter is the activity's side: it reads the outcome and
// completes the task.
type callbackReporter struct {
	executions *Service
	tasks      *callback.Completer
	logger     *slog.Logger
}

// report reports the execution's outcome to its callback token if it has
// ended, and tells whether it did (or whether nothing is left to report
// to). A task already completed, or whose execution ended, takes no report:
// that is done too.
func (r *callbackReporter) report(ctx context.Context, req reportRequest) (bool, error) {
	cb := req.Callback
	o, ended, err := r.executions.outcome(ctx, cb.FlowName, cb.ExecutionName, cb.RunID)
	if err == nil && !ended && req.WaitForEnd {
		waitCtx, cancel := context.WithTimeout(ctx, callbackWaitForEnd)
		e := Execution{FlowName: cb.FlowName, Name: cb.ExecutionName, Status: Running, RunID: cb.RunID}
		_, err = r.executions.Await(waitCtx, e, callbackWaitForEnd)
		cancel()
		activity.RecordHeartbeat(ctx)
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			o, ended, err = r.executions.outcome(ctx, cb.FlowName, cb.ExecutionName, cb.RunID)
		}
	}
	if errors.Is(err, ErrNotFound) {
		// Gone (deleted by retention): nothing to read the outcome from.
		r.logger.Warn("execution ended and is gone; its outcome cannot be reported", "flow", cb.FlowName, "execution", cb.ExecutionName)
		return true, nil
	}
	if err != nil || !ended {
		return false, err
	}
	task, err := r.tasks.Open(cb.CallbackToken)
	if err != nil {
		// The gateway checked the token at the start; a key rotated since
		// makes it unreadable for good.
		r.logger.Warn("the callback token of an ended execution no longer opens; its outcome is not reported", "flow", cb.FlowName, "execution", cb.ExecutionName, "error", err)
		return true, nil
	}
	if o.Status == Succeeded {
		err = task.Succeed(ctx, o.Output)
		if errors.Is(err, callback.ErrRefused) {
			// The output is more than the waiting task can take.
			err = task.Fail(ctx, fdl.ErrRuntime, fmt.Sprintf("execution %s of flow %s succeeded but its output could not be reported: %v", cb.ExecutionName, cb.FlowName, err))
		}
	} else {
		err = task.Fail(ctx, o.Error, o.Cause)
	}
	if errors.Is(err, callback.ErrAlreadyCompleted) {
		r.logger.Info("the task an execution reports to had already completed", "flow", cb.FlowName, "execution", cb.ExecutionName, "token", token.Redact(cb.CallbackToken))
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reporting the outcome of execution %s of flow %s: %w", cb.ExecutionName, cb.FlowName, err)
	}
	r.logger.Info("reported an execution's outcome to its callback token", "flow", cb.FlowName, "execution", cb.ExecutionName, "status", string(o.Status))
	return true, nil
}

// startCallback starts the callback workflow of an execution started with a
// callback token. The execution starts it too, as its first act; starting
// it here as well covers an execution stopped before its first workflow
// task, which runs none of its code. A failure is logged, not returned: the
// execution is started, and starts it itself.
func (s *Service) startCallback(ctx context.Context, start interpreter.ExecutionStart, runID string) {
	cb := interpreter.ExecutionCallback{
		FlowName:      start.Input.FlowName,
		ExecutionName: start.Input.ExecutionName,
		RunID:         runID,
		CallbackToken: start.Input.CallbackToken,
	}
	if start.Timeout > 0 {
		cb.Deadline = time.Now().Add(start.Timeout)
	}
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       interpreter.ExecutionCallbackWorkflowID(cb.FlowName, cb.ExecutionName),
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "report the outcome of " + start.WorkflowID + " to its callback token",
	}, interpreter.ExecutionCallbackWorkflow, cb)
	if err != nil {
		slog.Warn("could not start the report of an execution's outcome; the execution starts it when it runs", "flow", cb.FlowName, "execution", cb.ExecutionName, "error", err)
	}
}

// nudgeCallback tells the callback workflow of an execution, if it has
// one, that the execution ended. Best effort: the workflow looks on its own
// within callbackBackstop.
func (s *Service) nudgeCallback(ctx context.Context, flow, name string) {
	err := s.temporal.SignalWorkflow(ctx, interpreter.ExecutionCallbackWorkflowID(flow, name), "", interpreter.ExecutionEndedSignal, nil)
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		slog.Warn("could not tell an execution's callback that it was stopped; it reports within the hour", "flow", flow, "execution", name, "error", err)
	}
}

// Register registers on a worker what executions run there: the activity
// that prepares child executions and the callback workflow with its
// activity. tasks completes the tasks executions report to.
func (s *Service) Register(w worker.Registry, tasks *callback.Completer, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	w.RegisterActivityWithOptions(s.prepareChild, activity.RegisterOptions{Name: interpreter.PrepareChildActivity})
	w.RegisterActivityWithOptions(s.childOutcome, activity.RegisterOptions{Name: interpreter.ChildOutcomeActivity})
	w.RegisterWorkflowWithOptions(callbackWorkflow, workflow.RegisterOptions{Name: interpreter.ExecutionCallbackWorkflow})
	r := &callbackReporter{executions: s, tasks: tasks, logger: logger}
	w.RegisterActivityWithOptions(r.report, activity.RegisterOptions{Name: reportOutcomeActivity})
}
