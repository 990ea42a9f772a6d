package fdl

import "strings"

// Error names fnflow raises, in one place (reference fdl.md §4.3). Retry and
// catch policies match them by name and they are stored in the histories of
// running executions: frozen, changing one breaks running executions and the
// flows written for the managed service.
const (
	// ErrAll in an errors list matches every error; it is never raised.
	ErrAll = "FnF.ALL"
	// ErrRuntime is an engine-side failure: a mapping that cannot be
	// evaluated, an unsupported resource, a call fnflow could not make.
	ErrRuntime = "FnF.RuntimeError"
	// ErrInvalidLocal is a task result that is not JSON, or not an object
	// where one is needed.
	ErrInvalidLocal = "FnF.InvalidLocal"
	// ErrTaskTimeout is a task that ran longer than its timeoutSeconds.
	ErrTaskTimeout = "FnF.TaskTimeout"
	// ErrHeartbeatTimeout is a waitForCallback task with heartbeatSeconds
	// (an fnflow extension) whose worker went that long without a heartbeat
	// once the task was handed over: the worker died, hung or gave up. The
	// managed service has no heartbeats; the name follows FnF.TaskTimeout.
	ErrHeartbeatTimeout = "FnF.HeartbeatTimeout"
	// ErrTaskSubmitTimeout is a callback task whose hand-off did not finish
	// within the hand-off timeout: its worker died, hung or stopped.
	ErrTaskSubmitTimeout = "FnF.TaskSubmitTimeout"
	// ErrDataLimitExceeded is a step whose input, output and $local are
	// larger than the worker allows (the managed service's 32 KiB by
	// default), or a task result larger than Temporal takes. It ends the
	// execution: retry and catch never match it.
	ErrDataLimitExceeded = "FnF.DataLimitExceeded"
	// ErrTimeout is an execution that ran past its flow's timeoutSeconds. The
	// managed service's name for it is not attested (reference fdl.md Q14);
	// FnF.Timeout is the one its material mentions.
	ErrTimeout = "FnF.Timeout"
)

// Error names of the function integration, as Function Compute gives them.
const (
	// ErrFunctionNotFound: the function does not exist (or is not bound).
	ErrFunctionNotFound = "FC.FunctionNotFound"
	// ErrFunctionThrottled: HTTP 429, the function did not run.
	ErrFunctionThrottled = "FC.ResourceExhausted"
	// ErrFunctionInternal: HTTP 5xx, the function may have run.
	ErrFunctionInternal = "FC.InternalServerError"
	// ErrFunctionInvalid: another 4xx, the function did not run.
	ErrFunctionInvalid = "FC.InvalidArgument"
	// ErrFunctionUnknown: the outcome of the call is unknown.
	ErrFunctionUnknown = "FC.Unknown"
	// ErrInvocationAlreadyExists: an asynchronous invocation was submitted
	// with a StatefulAsyncInvocationID the function has already seen; the
	// invocation did not start again. Function Compute answers such a
	// submission with HTTP 409 and documents no code: the name is fnflow's.
	ErrInvocationAlreadyExists = "FC.InvocationAlreadyExists"
)

// FunctionError names a Function Compute platform error by its code, as FC
// does: FC.<Code>.
func FunctionError(code string) string { return "FC." + code }

// Error names of the queue and topic integrations: MNS.<Code>, with the
// error code the MNS API answers (reference mns-api.md §1.5), so that a
// policy can tell a missing queue (MNS.QueueNotExist) from a message the
// service refused (MNS.InvalidArgument) or a failure worth retrying
// (MNS.InternalError).
const (
	ErrQueueNotExist    = "MNS.QueueNotExist"
	ErrTopicNotExist    = "MNS.TopicNotExist"
	ErrMNSInvalid       = "MNS.InvalidArgument"
	ErrMNSInternalError = "MNS.InternalError"
)

// Error names of the child-flow integration: FnF.<Code>, with the error code
// StartExecution answers (reference fdl.md §6.7), so that a policy can tell
// a missing flow from a name already used.
const (
	ErrFlowNotExists          = "FnF.FlowNotExists"
	ErrExecutionAlreadyExists = "FnF.ExecutionAlreadyExists"
	ErrInvalidArgument        = "FnF.InvalidArgument"
	// ErrExecutionStopped is the error of a child execution stopped without
	// an error name (StopExecution's Error is optional); stopped with one,
	// the child fails its parent's step with that name.
	ErrExecutionStopped = "FnF.ExecutionStopped"
)

// ActionError names an error a cloud API action answered the way the managed
// service does (reference fdl.md §4.3): <product>.<Code>, with the product of
// the task's product:Action, so that retry and catch policies written for the
// managed service (ocr.InternalError, fnf.ExecutionAlreadyExists) keep
// matching.
func ActionError(action, code string) string {
	product, _, _ := strings.Cut(action, ":")
	return product + "." + code
}

// Codes fnflow gives a failed action call whose endpoint answered no code of
// its own, named after Alibaba Cloud's common error codes.
const (
	// ActionInternalError: a 5xx reply, or no reply at all; the call may
	// have run.
	ActionInternalError = "InternalError"
	// ActionThrottling: HTTP 429, the call did not run.
	ActionThrottling = "Throttling"
	// ActionInvalidParameter: another 4xx, the call did not run.
	ActionInvalidParameter = "InvalidParameter"
)
