package gateway

import (
	"context"
	"strconv"
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

// getExecutionHistory answers from the execution's own FnF event log, read
// page by page (executions.Service.History). NextToken is the EventId after
// which the next page starts.
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
	page, err := s.executions.History(ctx, flowName, name, after, limit)
	if err != nil {
		return nil, executionError(flowName, name, err)
	}
	rep := &historyReply{Events: make([]eventObject, 0, len(page.Events))}
	for _, e := range page.Events {
		rep.Events = append(rep.Events, eventObject{
			EventId:         e.ID,
			ScheduleEventId: e.ScheduledID,
			Type:            string(e.Type),
			StepName:        e.StepName,
			Time:            formatTime(e.Time),
			EventDetail:     string(e.Detail),
		})
	}
	if page.More {
		rep.NextToken = strconv.FormatInt(page.Events[len(page.Events)-1].ID, 10)
	}
	return rep, nil
}
