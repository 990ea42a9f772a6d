package executions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

// Event is one event of an execution's FnF event log (reference fdl.md
// §6.6).
type Event struct {
	ID          int64
	ScheduledID int64
	Type        interpreter.EventType
	StepName    string
	Time        time.Time
	// Detail is the event's detail as stored, a JSON object.
	Detail json.RawMessage
}

// HistoryPage is one page of an execution's event log. When More is set,
// the next page starts after the page's last event.
type HistoryPage struct {
	Events []Event
	More   bool
}

// historyPageBudget bounds the event details of one page, like each page
// read from the execution (interpreter.HistoryPageQuery): an execution of
// large inputs gives fewer events a page, never a page too large to build.
// A page holds at least one event.
const historyPageBudget = 4 << 20

// History reads up to limit (at least 1) events of an execution's latest run after the
// event after (0 for the first), from the execution's own FnF event log,
// asking it for pages until it has them, the log ends or the page budget is
// spent; never the whole log at once.
func (s *Service) History(ctx context.Context, flow, name string, after int64, limit int) (HistoryPage, error) {
	info, err := s.describe(ctx, flow, name, "")
	if err != nil {
		return HistoryPage{}, err
	}
	page, err := s.readHistory(ctx, info, after, limit)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("reading the history of execution %s of flow %s: %w", name, flow, err)
	}
	return page, nil
}

func (s *Service) readHistory(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, after int64, limit int) (HistoryPage, error) {
	page := HistoryPage{Events: []Event{}}
	size := 0
	for {
		if len(page.Events) == limit || size >= historyPageBudget {
			page.More = true
			return page, nil
		}
		logPage, err := s.logPage(ctx, info, after, limit-len(page.Events))
		if err != nil {
			return HistoryPage{}, err
		}
		events := logPage.Events
		if !logPage.More {
			end, err := s.closingEvent(ctx, info, logPage.LastEventID)
			if err != nil {
				return HistoryPage{}, err
			}
			if end != nil && end.EventID > after {
				events = append(events, *end)
			}
		}
		for _, e := range events {
			if len(page.Events) == limit {
				// Only the closing event can be left over.
				page.More = true
				return page, nil
			}
			event, err := newEvent(e)
			if err != nil {
				return HistoryPage{}, err
			}
			page.Events = append(page.Events, event)
			size += len(event.Detail)
			after = e.EventID
		}
		if !logPage.More {
			return page, nil
		}
	}
}

// logPage asks the execution for at most limit events after the event
// after.
func (s *Service) logPage(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, after int64, limit int) (interpreter.HistoryPage, error) {
	exec := info.GetExecution()
	value, err := s.temporal.QueryWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), interpreter.HistoryPageQuery,
		interpreter.HistoryPageRequest{After: after, Limit: limit})
	var notReady *serviceerror.WorkflowNotReady
	if errors.As(err, &notReady) && info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// Stopped (or timed out) before its first workflow task ran, the
		// execution never began its log, and Temporal can never answer a
		// query of it. Its log would have begun with ExecutionStarted.
		return s.unstartedLog(ctx, info, after)
	}
	if err != nil {
		return interpreter.HistoryPage{}, fmt.Errorf("querying events after %d: %w", after, err)
	}
	var page interpreter.HistoryPage
	if err := value.Get(&page); err != nil {
		return interpreter.HistoryPage{}, fmt.Errorf("decoding events after %d: %w", after, err)
	}
	return page, nil
}

// unstartedLog is the log of an execution that ended before it ran: the
// ExecutionStarted event it would have logged first, with its input.
func (s *Service) unstartedLog(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, after int64) (interpreter.HistoryPage, error) {
	page := interpreter.HistoryPage{Events: []interpreter.Event{}, LastEventID: 1}
	if after >= 1 {
		return page, nil
	}
	in, err := s.startInput(ctx, info)
	if err != nil {
		return interpreter.HistoryPage{}, err
	}
	page.Events = append(page.Events, interpreter.Event{
		EventID: 1,
		Type:    interpreter.EventExecutionStarted,
		Time:    info.GetStartTime().AsTime(),
		Detail:  map[string]any{"input": in.Input},
	})
	return page, nil
}

func newEvent(e interpreter.Event) (Event, error) {
	detail := []byte("{}")
	if e.Detail != nil {
		var err error
		if detail, err = payload.Marshal(e.Detail); err != nil {
			return Event{}, fmt.Errorf("encoding event %d: %w", e.EventID, err)
		}
	}
	return Event{
		ID:          e.EventID,
		ScheduledID: e.ScheduleEventID,
		Type:        e.Type,
		StepName:    e.StepName,
		Time:        e.Time,
		Detail:      detail,
	}, nil
}

// timedOutCause is the cause of ExecutionTimedOut: Temporal does not
// say which of the two limits ended the run.
var timedOutCause = fmt.Sprintf("the execution did not finish within its time limit: the flow's timeoutSeconds, at most %.0f minutes for an Express flow", ExpressMaxDuration.Minutes())

// closingEvent is the event that ends the log of an execution Temporal ended
// from outside: the workflow cannot log its own termination or timeout.
func (s *Service) closingEvent(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, lastEventID int64) (*interpreter.Event, error) {
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
		end.Type, end.Detail = interpreter.EventExecutionStopped, map[string]any{"error": "", "cause": "the execution was cancelled, by the parent whose step waited for it or in Temporal"}
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		end.Type, end.Detail = interpreter.EventExecutionTimedOut, map[string]any{"error": fdl.ErrTimeout, "cause": timedOutCause}
	default:
		return nil, nil
	}
	return end, nil
}
