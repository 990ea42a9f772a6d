package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/pagetoken"
	"github.com/fnflow/fnflow/schedules"
)

// scheduleObject is the fnf API's schedule object.
type scheduleObject struct {
	ScheduleName     string
	ScheduleId       string
	Description      string
	Payload          string
	CronExpression   string
	Enable           bool
	CreatedTime      string
	LastModifiedTime string
}

func newScheduleObject(s schedules.Schedule) scheduleObject {
	return scheduleObject{
		ScheduleName:     s.Name,
		ScheduleId:       s.ID,
		Description:      s.Description,
		Payload:          string(s.Payload),
		CronExpression:   s.CronExpression,
		Enable:           s.Enable,
		CreatedTime:      formatTime(s.CreatedTime),
		LastModifiedTime: formatTime(s.LastModifiedTime),
	}
}

type scheduleReply struct {
	reply
	scheduleObject
}

// schedules is the gateway's view of the schedules, as stateless as the
// rest: nothing is kept between requests.
func (s *Server) schedules() *schedules.Service {
	return schedules.New(s.cfg.Temporal, s.cfg.Namespace, s.cfg.TaskQueue, s.cfg.Flows)
}

func (s *Server) createSchedule(ctx context.Context, r *request) (replier, error) {
	flow, name, err := scheduleNames(r)
	if err != nil {
		return nil, err
	}
	cron, err := r.required("CronExpression")
	if err != nil {
		return nil, err
	}
	payload, err := schedulePayload(r)
	if err != nil {
		return nil, err
	}
	enable, err := optionalBoolParam(r, "Enable")
	if err != nil {
		return nil, err
	}
	sch, err := s.schedules().Create(ctx, schedules.Schedule{
		Flow: flow, Name: name, Description: r.param("Description"), Payload: payload, CronExpression: cron,
		// Absent, a schedule is enabled: it is made to fire.
		Enable: enable == nil || *enable,
	})
	if err != nil {
		return nil, scheduleError(flow, name, err)
	}
	return &scheduleReply{scheduleObject: newScheduleObject(sch)}, nil
}

func (s *Server) describeSchedule(ctx context.Context, r *request) (replier, error) {
	flow, name, err := scheduleNames(r)
	if err != nil {
		return nil, err
	}
	sch, err := s.schedules().Get(ctx, flow, name)
	if err != nil {
		return nil, scheduleError(flow, name, err)
	}
	return &scheduleReply{scheduleObject: newScheduleObject(sch)}, nil
}

func (s *Server) updateSchedule(ctx context.Context, r *request) (replier, error) {
	flow, name, err := scheduleNames(r)
	if err != nil {
		return nil, err
	}
	payload, err := schedulePayload(r)
	if err != nil {
		return nil, err
	}
	enable, err := optionalBoolParam(r, "Enable")
	if err != nil {
		return nil, err
	}
	sch, err := s.schedules().Update(ctx, flow, name, schedules.Change{
		Description: r.param("Description"), Payload: payload, CronExpression: r.param("CronExpression"), Enable: enable,
	})
	if err != nil {
		return nil, scheduleError(flow, name, err)
	}
	return &scheduleReply{scheduleObject: newScheduleObject(sch)}, nil
}

func (s *Server) deleteSchedule(ctx context.Context, r *request) (replier, error) {
	flow, name, err := scheduleNames(r)
	if err != nil {
		return nil, err
	}
	if err := s.schedules().Delete(ctx, flow, name); err != nil {
		return nil, scheduleError(flow, name, err)
	}
	return &reply{}, nil
}

type listSchedulesReply struct {
	reply
	Schedules []scheduleObject
	NextToken string `json:",omitempty"`
}

func (s *Server) listSchedules(ctx context.Context, r *request) (replier, error) {
	flow, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	limit, err := r.intParam("Limit", 60, 1, 1000)
	if err != nil {
		return nil, err
	}
	page, err := r.nextToken()
	if err != nil {
		return nil, err
	}
	list, next, err := s.schedules().List(ctx, flow, page, limit)
	if err != nil {
		return nil, scheduleError(flow, "", err)
	}
	rep := &listSchedulesReply{Schedules: make([]scheduleObject, 0, len(list)), NextToken: pagetoken.Encode(next)}
	for _, sch := range list {
		rep.Schedules = append(rep.Schedules, newScheduleObject(sch))
	}
	return rep, nil
}

// scheduleNames reads and checks FlowName and ScheduleName. Schedule names
// follow the rule of flow names, which also keeps "/" out of the schedule
// IDs made of them.
func scheduleNames(r *request) (flow, schedule string, err error) {
	if flow, err = nameParam(r, "FlowName"); err != nil {
		return "", "", err
	}
	if schedule, err = nameParam(r, "ScheduleName"); err != nil {
		return "", "", err
	}
	return flow, schedule, nil
}

// schedulePayload reads the optional Payload, every fire's execution input,
// with StartExecution's rule for Input; absent is nil.
func schedulePayload(r *request) (json.RawMessage, error) {
	if r.param("Payload") == "" {
		return nil, nil
	}
	_, stored, err := jsonPayload(r, "Payload")
	return stored, err
}

// scheduleError maps what the schedule actions meet.
func scheduleError(flow, schedule string, err error) error {
	var cronErr *schedules.CronError
	var mapped *apiError
	switch {
	case errors.As(err, &cronErr):
		mapped = errInvalidArgument("The parameter CronExpression %q is not valid: %s.", cronErr.Expression, cronErr.Reason)
	case errors.Is(err, flowstore.ErrFlowNotFound):
		mapped = errFlowNotExists(flow)
	case errors.Is(err, schedules.ErrNotFound):
		mapped = newError(http.StatusNotFound, "ScheduleNotExists", "The schedule %s for flow %s does not exist.", schedule, flow)
	case errors.Is(err, schedules.ErrExists):
		mapped = newError(http.StatusConflict, "ScheduleAlreadyExists", "The schedule %s already exists in flow %s.", schedule, flow)
	case errors.Is(err, schedules.ErrConflict):
		mapped = newError(http.StatusConflict, "ConcurrentUpdateError", "Update conflict, please retry.")
	default:
		return err
	}
	mapped.cause = err
	return mapped
}
