package interpreter

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/payload"
)

// HistoryPageQuery returns a HistoryPage of the execution's FnF event log for
// a HistoryPageRequest. The whole log (HistoryQuery) can pass Temporal's
// 2 MiB limit on a query result, after which it could never be read again; a
// page cannot.
const HistoryPageQuery = "fnflow.history.page"

// historyPageBudget bounds the encoded events of one page, well under
// Temporal's 2 MiB limit on a query result. A page holds at least one event
// whatever its size: an event is at most about one execution input or task
// output (1 MiB, checked by the gateway) and a little more.
const historyPageBudget = 1 << 20

// HistoryPageRequest asks for the events after the event with ID After (0:
// from the first), at most Limit of them (0: as many as the budget allows).
type HistoryPageRequest struct {
	After int64
	Limit int
}

// HistoryPage is a run of consecutive events of the log. More is set when
// events follow the page's last; LastEventID is the ID of the log's last
// event, so that a reader knows it even from an empty page.
type HistoryPage struct {
	Events      []Event
	More        bool
	LastEventID int64
}

// eventLog is the execution's FnF history. It lives in workflow state and is
// rebuilt by replay, so it costs no Temporal history events of its own.
type eventLog struct {
	events []Event
}

// add appends an event and returns its ID.
func (l *eventLog) add(ctx workflow.Context, typ EventType, stepName string, scheduleEventID int64, detail map[string]any) int64 {
	id := int64(len(l.events) + 1)
	l.events = append(l.events, Event{
		EventID:         id,
		ScheduleEventID: scheduleEventID,
		Type:            typ,
		StepName:        stepName,
		Time:            workflow.Now(ctx).UTC(),
		Detail:          detail,
	})
	return id
}

// setDetail fills in an event's detail once it is known (a StepEntered's
// input is built after the event ID it may read through $context).
func (l *eventLog) setDetail(id int64, detail map[string]any) {
	l.events[id-1].Detail = detail
}

func (l *eventLog) snapshot() []Event {
	return append([]Event(nil), l.events...)
}

// page answers HistoryPageQuery. Event IDs are positions in the log, so a
// page starts without a search.
func (l *eventLog) page(req HistoryPageRequest) (HistoryPage, error) {
	p := HistoryPage{LastEventID: int64(len(l.events))}
	start := min(max(req.After, 0), p.LastEventID)
	size := 0
	for _, e := range l.events[start:] {
		if req.Limit > 0 && len(p.Events) == req.Limit {
			p.More = true
			break
		}
		encoded, err := payload.Marshal(e)
		if err != nil {
			return HistoryPage{}, fmt.Errorf("encoding event %d: %w", e.EventID, err)
		}
		if size += len(encoded); size > historyPageBudget && len(p.Events) > 0 {
			p.More = true
			break
		}
		p.Events = append(p.Events, e)
	}
	return p, nil
}
