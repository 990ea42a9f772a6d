package interpreter

import (
	"go.temporal.io/sdk/workflow"
)

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
