package gateway

import (
	"context"
	"fmt"
	"strconv"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
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

// historyReplyBudget bounds the event details of one GetExecutionHistory
// reply, like each page the gateway reads (interpreter.HistoryPageQuery): an
// execution of large inputs gives fewer events a reply, never a reply too
// large to build. A reply holds at least one event.
const historyReplyBudget = 4 << 20

// getExecutionHistory answers from the execution's own FnF event log, read
// page by page with the history page query, never whole. NextToken is the
// EventId after which the next page starts.
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
	rep, err := s.readHistory(ctx, info, after, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the history of execution %s of flow %s: %w", name, flowName, err)
	}
	return rep, nil
}

// readHistory gathers up to limit events after the event after, asking for
// pages until it has them, the log ends or the reply budget is spent.
func (s *Server) readHistory(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, after int64, limit int) (*historyReply, error) {
	rep := &historyReply{Events: []eventObject{}}
	size := 0
	for {
		if len(rep.Events) == limit || size >= historyReplyBudget {
			rep.NextToken = strconv.FormatInt(after, 10)
			return rep, nil
		}
		page, err := s.historyPage(ctx, info.GetExecution(), after, limit-len(rep.Events))
		if err != nil {
			return nil, err
		}
		events := page.Events
		if !page.More {
			end, err := s.closingEvent(ctx, info, page.LastEventID)
			if err != nil {
				return nil, err
			}
			if end != nil && end.EventID > after {
				events = append(events, *end)
			}
		}
		for _, e := range events {
			if len(rep.Events) == limit {
				// Only the closing event can be left over.
				rep.NextToken = strconv.FormatInt(after, 10)
				return rep, nil
			}
			obj, err := newEventObject(e)
			if err != nil {
				return nil, err
			}
			rep.Events = append(rep.Events, obj)
			size += len(obj.EventDetail)
			after = e.EventID
		}
		if !page.More {
			return rep, nil
		}
	}
}

// historyPage asks the execution for at most limit events after the event
// after.
func (s *Server) historyPage(ctx context.Context, exec *commonpb.WorkflowExecution, after int64, limit int) (interpreter.HistoryPage, error) {
	value, err := s.cfg.Temporal.QueryWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), interpreter.HistoryPageQuery,
		interpreter.HistoryPageRequest{After: after, Limit: limit})
	if err != nil {
		return interpreter.HistoryPage{}, fmt.Errorf("querying events after %d: %w", after, err)
	}
	var page interpreter.HistoryPage
	if err := value.Get(&page); err != nil {
		return interpreter.HistoryPage{}, fmt.Errorf("decoding events after %d: %w", after, err)
	}
	return page, nil
}

func newEventObject(e interpreter.Event) (eventObject, error) {
	detail := []byte("{}")
	if e.Detail != nil {
		var err error
		if detail, err = payload.Marshal(e.Detail); err != nil {
			return eventObject{}, fmt.Errorf("encoding event %d: %w", e.EventID, err)
		}
	}
	return eventObject{
		EventId:         e.EventID,
		ScheduleEventId: e.ScheduleEventID,
		Type:            string(e.Type),
		StepName:        e.StepName,
		Time:            formatTime(e.Time),
		EventDetail:     string(detail),
	}, nil
}

// closingEvent is the event that ends the log of an execution Temporal ended
// from outside: the workflow cannot log its own termination or timeout.
func (s *Server) closingEvent(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, lastEventID int64) (*interpreter.Event, error) {
	end := &interpreter.Event{EventID: lastEventID + 1}
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
		end.Type, end.Detail = interpreter.EventExecutionTimedOut, map[string]any{"error": fdl.ErrTimeout, "cause": "the execution did not finish within the flow's timeoutSeconds"}
	default:
		return nil, nil
	}
	return end, nil
}
