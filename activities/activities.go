// Package activities is what task steps call: functions bound over HTTP or to
// Temporal activities, and the waitForCallback activity that mints the
// callback token, hands the work over and parks until a worker reports back.
//
// The interpreter schedules these activities by name with the request types
// below; the worker registers them with their dependencies (bindings, the
// token signer, a Temporal client).
package activities

import (
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/token"
)

// Activity type names as the interpreter schedules them.
const (
	InvokeFunctionActivity  = "fnflow.InvokeFunction"
	WaitForCallbackActivity = "fnflow.WaitForCallback"
	// AbandonHandoffActivity ends a waitForCallback attempt whose hand-off
	// outlived its timeout. Stored in histories: frozen.
	AbandonHandoffActivity = "fnflow.AbandonHandoff"
)

// TaskSubmittedSignal tells an execution that a waitForCallback task handed
// its work over. Its payload is a TaskSubmitted.
const TaskSubmittedSignal = "fnflow.task-submitted"

// TaskSubmitted is the payload of TaskSubmittedSignal.
type TaskSubmitted struct {
	// ActivityID identifies the task attempt that handed its work over.
	ActivityID string
	// TaskToken is the callback token the worker must report with.
	TaskToken string
}

// TaskRequest is what a task step asks an activity to do.
type TaskRequest struct {
	// StepPath names the step, for logs and errors.
	StepPath string
	Resource fdl.Resource
	// ResourceArn is the resource as the flow wrote it, for messages.
	ResourceArn string
	// Input is the step input after its inputMappings.
	Input map[string]any
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

// InvokeResult is the outcome of calling a function. Exactly one field is
// set: Output when fnflow called the function itself, Delegate when the
// function is a Temporal activity the interpreter must schedule.
type InvokeResult struct {
	Output   any
	Delegate *TemporalBinding
}

// Activities holds what the activities need. Its exported methods are the
// activities; register them with Register.
type Activities struct {
	Functions *Bindings
	Tokens    *token.Signer
	// Temporal is used to signal the execution when a callback task was
	// submitted, and to end an abandoned hand-off.
	Temporal client.Client
	HTTP     *http.Client
	Logger   *slog.Logger
}

// Register registers the activities under the names the interpreter uses.
func (a *Activities) Register(r worker.ActivityRegistry) {
	r.RegisterActivityWithOptions(a.InvokeFunction, activity.RegisterOptions{Name: InvokeFunctionActivity})
	r.RegisterActivityWithOptions(a.WaitForCallback, activity.RegisterOptions{Name: WaitForCallbackActivity})
	r.RegisterActivityWithOptions(a.AbandonHandoff, activity.RegisterOptions{Name: AbandonHandoffActivity})
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

func (a *Activities) httpClient() *http.Client {
	if a.HTTP == nil {
		return http.DefaultClient
	}
	return a.HTTP
}
