package interpreter

import (
	"time"
)

// Names shared by the workflow, the worker that registers it and the gateway
// that starts and queries it.
const (
	// ExecutionWorkflow is the Temporal workflow type of a flow execution.
	ExecutionWorkflow = "fnflow.Execution"
	// HistoryQuery returns the execution's FnF event log as []Event.
	HistoryQuery = "fnflow.history"
)

// ExecutionWorkflowID is the Temporal workflow ID of an execution. Flow and
// execution names cannot contain "/", so the ID is unambiguous.
func ExecutionWorkflowID(flowName, executionName string) string {
	return flowName + "/" + executionName
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
