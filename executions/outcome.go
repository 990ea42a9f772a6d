package executions

import (
	"context"
	"encoding/json"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fnflow/fnflow/fdl"
)

// Outcome is how an execution ended, as a parent task sees it: succeeded
// with its output, or failed with an error name and a cause.
type Outcome struct {
	Status Status
	// Output is the flow output of a Succeeded execution.
	Output json.RawMessage
	// Error and Cause are set for every other status. A Failed execution
	// gives its own error (a fail step's, a task's, ...); a Stopped one the
	// StopExecution Error and Cause, fdl.ErrExecutionStopped when it gave no
	// name; a TimedOut one fdl.ErrTimeout.
	Error string
	Cause string
}

// Outcome reads how the run e describes ended: StartSyncExecution's
// answer. ended is false while it runs.
func (s *Service) Outcome(ctx context.Context, e Execution) (o Outcome, ended bool, err error) {
	return s.outcome(ctx, e.FlowName, e.Name, e.RunID)
}

// outcome reads how the run ended; ended is false while it runs.
func (s *Service) outcome(ctx context.Context, flow, name, runID string) (o Outcome, ended bool, err error) {
	info, err := s.describe(ctx, flow, name, runID)
	if err != nil {
		return Outcome{}, false, err
	}
	o.Status = statusOf(info.GetStatus())
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return Outcome{}, false, nil
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		closeEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		if err != nil {
			return Outcome{}, false, err
		}
		if err := fromPayloads(closeEvent.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &o.Output); err != nil {
			return Outcome{}, false, fmt.Errorf("reading the output of execution %s of flow %s: %w", name, flow, err)
		}
		return o, true, nil
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		closeEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		if err != nil {
			return Outcome{}, false, err
		}
		// The interpreter fails an execution with an application failure
		// whose type is the FnF error name and whose message is the cause.
		failure := closeEvent.GetWorkflowExecutionFailedEventAttributes().GetFailure()
		o.Error, o.Cause = failure.GetApplicationFailureInfo().GetType(), failure.GetMessage()
		if o.Error == "" {
			o.Error = fdl.ErrRuntime
		}
		return o, true, nil
	}
	end, err := s.closingEvent(ctx, info, 0)
	if err != nil {
		return Outcome{}, false, err
	}
	o.Error, _ = end.Detail["error"].(string)
	o.Cause, _ = end.Detail["cause"].(string)
	if o.Error == "" {
		o.Error = fdl.ErrExecutionStopped
	}
	return o, true, nil
}
