package interpreter

import (
	"encoding/json"
	"time"

	"github.com/fnflow/fnflow/activities"
)

// Names shared by the workflow, the worker that registers it and the gateway
// that starts and queries it.
const (
	// ExecutionWorkflow is the Temporal workflow type of a flow execution.
	ExecutionWorkflow = "fnflow.Execution"
	// HistoryQuery returns the execution's FnF event log as []Event.
	HistoryQuery = "fnflow.history"
	// AsyncInvocationWorkflow is the Temporal workflow type of an
	// asynchronous function invocation (serviceParams.InvocationType:
	// Async), a child of the execution that submitted it. Stored in
	// histories: frozen.
	AsyncInvocationWorkflow = "fnflow.AsyncInvocation"
)

// ExecutionWorkflowID is the Temporal workflow ID of an execution. Flow and
// execution names cannot contain "/", so the ID is unambiguous.
func ExecutionWorkflowID(flowName, executionName string) string {
	return flowName + "/" + executionName
}

// asyncInvocationIDPrefix starts the workflow ID of every asynchronous
// invocation; no execution's ID can start so, flow names having no ":".
// Stored in histories: frozen.
const asyncInvocationIDPrefix = "fnflow-async:"

// AsyncInvocationWorkflowID is the Temporal workflow ID of the asynchronous
// invocation invocationID of a function: one ID per function, as Function
// Compute keeps stateful invocation IDs unique per function whatever the
// version or alias called.
func AsyncInvocationWorkflowID(service, function, invocationID string) string {
	return asyncInvocationIDPrefix + service + "/" + function + "/" + invocationID
}

// AsyncInvocationInput starts an asynchronous invocation.
type AsyncInvocationInput struct {
	// Request calls the function: its resource and its event, the step input.
	Request activities.TaskRequest
	// ActivityID names the invocation's activity after the task attempt
	// that submitted it.
	ActivityID string
}

// ExecutionInput starts an execution. It carries a snapshot of the flow
// definition, so updating a flow never changes a running execution.
type ExecutionInput struct {
	FlowName      string
	ExecutionName string
	// Definition is the FDL text of the flow when the execution started.
	Definition string
	// Input is the execution input, a JSON object ({} when none was given).
	Input map[string]any
	// CallbackToken, when set, is the task token the execution's outcome is
	// reported to once it ends (StartExecution's CallbackFnFTaskToken): the
	// execution starts an ExecutionCallbackWorkflow that does it.
	CallbackToken string `json:",omitempty"`
}

// TaskHeartbeatSignal tells an execution the last heartbeat of a callback
// task attempt that a report is about to complete, so that the event ending
// the task (TaskSucceeded, TaskFailed) shows it: Temporal keeps an attempt's
// last heartbeat only while the attempt is pending, and its completion does
// not carry it. Package executions sends it for the gateway's reports, just
// before they complete the attempt, and only when a heartbeat came; its
// payload is a TaskHeartbeat. A worker that does not know the signal leaves
// it unread, which the SDK only logs. Stored in histories: frozen.
const TaskHeartbeatSignal = "fnflow.task-heartbeat"

// TaskHeartbeat is the payload of TaskHeartbeatSignal. Stored in histories:
// frozen.
type TaskHeartbeat struct {
	// ActivityID names the attempt.
	ActivityID string
	// Details is the JSON the heartbeat carried; nil when it had none.
	Details json.RawMessage `json:",omitempty"`
	// Time is when Temporal recorded the heartbeat, written as the fnf API
	// writes times (executions.TimeFormat): the event shows it as it is.
	Time string
}

// Starting a child execution. Package executions decides how every execution
// is started (its workflow ID, timeout, summary and input), for the gateway's
// StartExecution and for child flows alike; a child start asks it through
// PrepareChildActivity and applies the answer with ExecuteChildWorkflow,
// which a client-side start cannot do: only a child shows under its parent in
// the Web UI and is stopped with it. Names and shapes are stored in
// histories: frozen.
const (
	// PrepareChildActivity turns a ChildRequest into a ChildPlan.
	PrepareChildActivity = "fnflow.PrepareChildExecution"
	// ChildOutcomeActivity reads how a child that did not succeed or fail
	// on its own ended (stopped, timed out): a ChildOutcomeRequest answered
	// with a ChildOutcome.
	ChildOutcomeActivity = "fnflow.ChildExecutionOutcome"
	// ExecutionCallbackWorkflow reports an ended execution's outcome to its
	// CallbackToken. Its input is an ExecutionCallback.
	ExecutionCallbackWorkflow = "fnflow.ExecutionCallback"
	// ExecutionEndedSignal tells an ExecutionCallbackWorkflow that its
	// execution has ended, or is about to, so it reports without waiting for
	// its next check. It carries no payload.
	ExecutionEndedSignal = "fnflow.execution-ended"
)

// ChildRequest asks for the plan of a child execution.
type ChildRequest struct {
	FlowName string
	// ExecutionName is "" for a generated name.
	ExecutionName string
	Input         map[string]any
	// ReuseRunning, for a requestResponse start, lets a running execution of
	// that name stand for the child, as StartExecution returns it.
	ReuseRunning bool
}

// ChildPlan is the answer to a ChildRequest.
type ChildPlan struct {
	// Start is how to start the child; nil when ReuseRunning let a running
	// execution of the requested name stand for it.
	Start *ExecutionStart
	// Answer is the child as StartExecution answers for it (Name, FlowName,
	// Status, StartedTime, Input): a requestResponse child step's $local.
	Answer map[string]any
}

// ExecutionStart is how an execution is started.
type ExecutionStart struct {
	WorkflowID string
	// Timeout is the flow's timeoutSeconds; zero is none.
	Timeout time.Duration
	// Summary is what the Web UI shows for the execution.
	Summary string
	Input   ExecutionInput
}

// ChildOutcomeRequest names the child run whose end is read.
type ChildOutcomeRequest struct {
	FlowName      string
	ExecutionName string
	RunID         string
}

// ChildOutcome is the error a child that ended without succeeding fails its
// parent's step with.
type ChildOutcome struct {
	Error string
	Cause string
}

// ExecutionCallback is the input of an ExecutionCallbackWorkflow.
type ExecutionCallback struct {
	FlowName      string
	ExecutionName string
	// RunID is the run whose end is reported, never a later one.
	RunID         string
	CallbackToken string
	// Deadline is when the flow's timeoutSeconds ends the execution; zero
	// when it has none.
	Deadline time.Time
}

// ExecutionCallbackWorkflowID is the workflow ID of the
// ExecutionCallbackWorkflow of an execution.
func ExecutionCallbackWorkflowID(flowName, executionName string) string {
	return "fnflow-callback:" + ExecutionWorkflowID(flowName, executionName)
}

// EventType is the type of an FnF history event (reference fdl.md §6.6).
type EventType string

const (
	EventExecutionStarted   EventType = "ExecutionStarted"
	EventExecutionSucceeded EventType = "ExecutionSucceeded"
	EventExecutionFailed    EventType = "ExecutionFailed"
	EventExecutionTimedOut  EventType = "ExecutionTimedOut"
	EventExecutionStopped   EventType = "ExecutionStopped"
	EventStepEntered        EventType = "StepEntered"
	EventStepStarted        EventType = "StepStarted"
	EventStepSucceeded      EventType = "StepSucceeded"
	EventStepFailed         EventType = "StepFailed"
	EventStepExited         EventType = "StepExited"
	EventBranchEntered      EventType = "BranchEntered"
	EventBranchExited       EventType = "BranchExited"
	EventIterationEntered   EventType = "IterationEntered"
	EventIterationExited    EventType = "IterationExited"
	EventTaskScheduled      EventType = "TaskScheduled"
	EventTaskStarted        EventType = "TaskStarted"
	EventTaskSubmitted      EventType = "TaskSubmitted"
	EventTaskSubmitFailed   EventType = "TaskSubmitFailed"
	EventTaskSucceeded      EventType = "TaskSucceeded"
	EventTaskFailed         EventType = "TaskFailed"
	EventTaskTimedOut       EventType = "TaskTimedOut"
)

// Event is one entry of an execution's FnF history. EventID starts at 1 with
// ExecutionStarted and grows by one; ScheduleEventID points at the event that
// opened this one (a TaskSucceeded at its TaskScheduled, a StepExited at its
// StepEntered), 0 when there is none.
type Event struct {
	EventID         int64
	ScheduleEventID int64
	Type            EventType
	StepName        string
	Time            time.Time
	Detail          map[string]any
}

// An execution that fails ends its workflow with a non-retryable Temporal
// ApplicationError whose Type is the FnF error name (a fail step's `error`, a
// ReportTaskFailed `Error`, FnF.TaskTimeout, ...) and whose message is the
// cause. A successful execution's workflow result is the flow output, a JSON
// object.
