package activities

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
)

// This file is what the workflow and the activities agree on. The names, the
// field names and the shapes of the types are stored in the Temporal histories
// of running executions, which replay against them: frozen, changing one
// breaks running executions.

// Activity type names as the interpreter schedules them. Frozen: changing one
// breaks running executions.
const (
	// RequestResponseActivity runs a requestResponse task of any resource
	// kind. Its name dates from when functions were the only kind.
	RequestResponseActivity = "fnflow.InvokeFunction"
	WaitForCallbackActivity = "fnflow.WaitForCallback"
	// AbandonHandoffActivity ends a waitForCallback attempt whose hand-off
	// outlived its timeout.
	AbandonHandoffActivity = "fnflow.AbandonHandoff"
	// FailHandoffActivity ends a waitForCallback attempt whose hand-off the
	// workflow made itself and which failed.
	FailHandoffActivity = "fnflow.FailHandoff"
)

// TaskSubmittedSignal tells an execution that a waitForCallback task handed
// its work over. Its payload is a TaskSubmitted. Frozen: changing it breaks
// running executions.
const TaskSubmittedSignal = "fnflow.task-submitted"

// TaskSubmitted is the payload of TaskSubmittedSignal.
type TaskSubmitted struct {
	// ActivityID identifies the task attempt that handed its work over.
	ActivityID string
	// TaskToken is the callback token the worker must report with.
	TaskToken string
	// HandOver, when set, is the Temporal activity the workflow hands the
	// task over to itself, with TaskToken in its input: an activity cannot
	// schedule another. Child flows are handed over by the workflow too, as
	// child workflows; their notice has no HandOver.
	HandOver *TemporalBinding `json:",omitempty"`
}

// TaskRequest is what a task step asks an activity to do.
type TaskRequest struct {
	// StepPath names the step, for logs and errors.
	StepPath string
	Resource fdl.Resource
	// ResourceArn is the resource as the flow wrote it, for messages.
	ResourceArn string
	// Action is an action task's product:Action as the flow wrote it; such a
	// task has no Resource. Unset in requests recorded before actions ran.
	Action string `json:",omitempty"`
	// Input is the step input after its inputMappings.
	Input map[string]any
	// ServiceParams are the step's serviceParams as the flow wrote them, for
	// integrations that take them (queues, topics, actions). The activity
	// reads their $ paths from Input once the callback token is in it, so a
	// MessageBody of "$" carries the token. Unset for functions, and in
	// requests recorded before those integrations ran.
	ServiceParams map[string]any
	// TokenPlaceholder, for waitForCallback, is the string the interpreter
	// put wherever $context.task.token was read: the token only exists once
	// the activity runs, so the activity swaps it in.
	TokenPlaceholder string
	// HandoffTimeout, for waitForCallback, bounds the hand-off from the
	// attempt's start: past it the workflow abandons the attempt, so the
	// activity gives up too. Zero (executions recorded before the hand-off
	// had a deadline) leaves it unbounded.
	HandoffTimeout time.Duration
}

// InvokeResult is the outcome of a requestResponse task. Output is set when
// fnflow ran the task itself, Delegate when the task is bound to a Temporal
// activity the interpreter must schedule. DelegateInput, when set, is what
// that activity is called with (an action's evaluated request parameters);
// unset, it is the step input.
type InvokeResult struct {
	Output        any
	Delegate      *TemporalBinding
	DelegateInput any `json:",omitempty"`
}

// AbandonHandoffRequest asks to end a waitForCallback attempt whose hand-off
// has not been recorded within HandoffTimeout.
type AbandonHandoffRequest struct {
	// ActivityID is the waitForCallback attempt's activity ID.
	ActivityID     string
	HandoffTimeout time.Duration
}

// FailHandoffRequest asks to end a waitForCallback attempt with a failure:
// the hand-off the workflow made itself failed with Error and Cause.
type FailHandoffRequest struct {
	ActivityID string
	Error      string
	Cause      string
}

// AbandonHandoffResult says what became of the attempt.
type AbandonHandoffResult struct {
	// WaitMore, when set, means the hand-off may still finish in time: no
	// worker has picked the attempt up yet, or it started less than
	// HandoffTimeout ago. Ask again after WaitMore. Zero means the attempt
	// has ended, or now ends with fdl.ErrTaskSubmitTimeout.
	WaitMore time.Duration
}

// submitPhase marks errors raised while a callback task hands its work over,
// so the interpreter can log TaskSubmitFailed rather than TaskFailed. It is
// the failure's details, stored in histories. Frozen: changing it breaks
// running executions.
const submitPhase = "submit"

// asSubmitFailure keeps the error's name and cause and marks it as a failure
// to hand the work over.
func asSubmitFailure(err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return temporal.NewApplicationErrorWithOptions(err.Error(), fdl.ErrRuntime, temporal.ApplicationErrorOptions{Details: []any{submitPhase}})
	}
	return temporal.NewApplicationErrorWithOptions(appErr.Message(), appErr.Type(), temporal.ApplicationErrorOptions{
		NonRetryable: appErr.NonRetryable(),
		Details:      []any{submitPhase},
	})
}

// IsSubmitFailure tells whether a waitForCallback attempt failed while
// handing its work over, before any worker could have reported.
func IsSubmitFailure(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.HasDetails() {
		return false
	}
	var phase string
	return appErr.Details(&phase) == nil && phase == submitPhase
}
