package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/fnflow/fnflow/interpreter"
)

// eventObject is one event of GetExecutionHistory.
type eventObject struct {
	EventId         int64
	ScheduleEventId int64
	Type            string
	StepName        string
	Time            string
	EventDetail     string
}

type historyReply struct {
	reply
	Events    []eventObject
	NextToken string `json:",omitempty"`
}

// timeoutError is the error name of an execution that ran past its flow's
// timeoutSeconds. The managed service's name for it is not attested
// (reference fdl.md Q14); FnF.Timeout is the one its material mentions.
const timeoutError = "FnF.Timeout"

// getExecutionHistory answers from the execution's own FnF event log, read
// with the history query. NextToken is the EventId after which the next page
// starts.
func (s *Server) getExecutionHistory(ctx context.Context, r *request) (replier, error) {
	flowName, name, err := executionNames(r)
	if err != nil {
		return nil, err
	}
	limit, err := r.intParam("Limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	var after int64
	if text := r.param("NextToken"); text != "" {
		if after, err = strconv.ParseInt(text, 10, 64); err != nil || after < 0 {
			return nil, errInvalidArgument("The NextToken is not valid.")
		}
	}
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	info, err := s.describe(ctx, flowName, name, "")
	if err != nil {
		return nil, err
	}
	exec := info.GetExecution()
	value, err := s.cfg.Temporal.QueryWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), interpreter.HistoryQuery)
	if err != nil {
		return nil, fmt.Errorf("querying the history of execution %s of flow %s: %w", name, flowName, err)
	}
	var events []interpreter.Event
	if err := value.Get(&events); err != nil {
		return nil, fmt.Errorf("decoding the history of execution %s of flow %s: %w", name, flowName, err)
	}
	if end, err := s.closingEvent(ctx, info, events); err != nil {
		return nil, err
	} else if end != nil {
		events = append(events, *end)
	}

	rep := &historyReply{Events: []eventObject{}}
	for _, e := range events {
		if e.EventID <= after {
			continue
		}
		if len(rep.Events) == limit {
			rep.NextToken = strconv.FormatInt(rep.Events[len(rep.Events)-1].EventId, 10)
			break
		}
		detail := []byte("{}")
		if e.Detail != nil {
			if detail, err = json.Marshal(e.Detail); err != nil {
				return nil, fmt.Errorf("encoding event %d of execution %s of flow %s: %w", e.EventID, name, flowName, err)
			}
		}
		rep.Events = append(rep.Events, eventObject{
			EventId:         e.EventID,
			ScheduleEventId: e.ScheduleEventID,
			Type:            string(e.Type),
			StepName:        e.StepName,
			Time:            formatTime(e.Time),
			EventDetail:     string(detail),
		})
	}
	return rep, nil
}

// closingEvent is the event that ends the log of an execution Temporal ended
// from outside: the workflow cannot log its own termination or timeout.
func (s *Server) closingEvent(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, events []interpreter.Event) (*interpreter.Event, error) {
	end := &interpreter.Event{EventID: int64(len(events)) + 1}
	if info.GetCloseTime() != nil {
		end.Time = info.GetCloseTime().AsTime()
	}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		closeEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		if err != nil {
			return nil, err
		}
		attrs := closeEvent.GetWorkflowExecutionTerminatedEventAttributes()
		var detail stopDetail
		if attrs.GetDetails() == nil || fromPayloads(attrs.GetDetails(), &detail) != nil {
			// Terminated with Temporal's own tools: only the reason is known.
			detail = stopDetail{Cause: attrs.GetReason()}
		}
		end.Type, end.Detail = interpreter.EventExecutionStopped, map[string]any{"error": detail.Error, "cause": detail.Cause}
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		end.Type, end.Detail = interpreter.EventExecutionStopped, map[string]any{"error": "", "cause": "the workflow was canceled in Temporal"}
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		end.Type, end.Detail = interpreter.EventExecutionTimedOut, map[string]any{"error": timeoutError, "cause": "the execution did not finish within the flow's timeoutSeconds"}
	default:
		return nil, nil
	}
	return end, nil
}
