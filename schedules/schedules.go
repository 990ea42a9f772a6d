// Package schedules keeps the fnf API's schedules (CreateSchedule,
// DescribeSchedule, UpdateSchedule, DeleteSchedule, ListSchedules) as
// Temporal Schedules, so that they fire without anything of fnflow's
// running but a worker, and show on the Temporal Web UI's Schedules page.
// It is flowstore's and executions' sibling: flows live in flowstore,
// executions are started through executions' one start path, schedules live
// here.
//
// A schedule of flow F called S is the Temporal schedule ScheduleID(F, S).
// Its spec is the CronExpression read by ParseCron; Enable false pauses it.
// Its action starts a FireWorkflow whose one activity starts an execution of
// F through executions.Service.Start, with the schedule's Payload as input:
// the definition is read at the fire, not when the schedule was made. The
// schedule's fnf fields travel in the action too (the fire's input and its
// memo), because Temporal's workflow-backed schedules cannot change a
// schedule's own memo after creation; Describe reads them back as written.
//
// A schedule belongs to the flow it was created for: a flow deleted, or
// deleted and created again, has none of its old schedules. They are no
// longer shown, and each deletes itself at its next fire.
//
// Names are the caller's to check (fdl.ValidName); the package speaks Go
// types and the gateway the wire format.
package schedules

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	schedulepb "go.temporal.io/api/schedule/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
)

var (
	// ErrNotFound means the flow has no schedule of that name.
	ErrNotFound = errors.New("schedule does not exist")
	// ErrExists is returned by Create for a name the flow's schedules use.
	ErrExists = errors.New("schedule already exists")
	// ErrConflict is returned by Update when another change of the schedule
	// came between reading it and writing it.
	ErrConflict = errors.New("schedule was changed concurrently")
)

// idPrefix begins every fnflow schedule's ID. Stored in every schedule:
// frozen.
const idPrefix = "fnflow-schedule:"

// ScheduleID is the Temporal schedule ID of the schedule called name of
// flow: "fnflow-schedule:<flow>/<name>". Flow and schedule names hold no
// "/", so the ID is unambiguous. Stored: frozen.
func ScheduleID(flow, name string) string { return idPrefix + flow + "/" + name }

// Schedule is one schedule, with the fields of the fnf API's schedule
// object.
type Schedule struct {
	Flow string
	Name string
	// ID is a UUID given at creation; a schedule deleted and created again
	// gets a new one.
	ID          string
	Description string
	// Payload is every fire's execution input, a JSON object as the caller
	// checked and encoded it (internal/payload); empty is {}.
	Payload json.RawMessage
	// CronExpression is kept as written; ParseCron says what it means.
	CronExpression   string
	Enable           bool
	CreatedTime      time.Time
	LastModifiedTime time.Time
}

// Change is what Update changes. An empty field leaves the schedule's value
// as it is, the way the fnf API treats absent parameters.
type Change struct {
	Description    string
	Payload        json.RawMessage
	CronExpression string
	// Enable is nil to leave it as it is.
	Enable *bool
}

func (c Change) apply(s Schedule) Schedule {
	s.Description = cmp.Or(c.Description, s.Description)
	s.CronExpression = cmp.Or(c.CronExpression, s.CronExpression)
	if len(c.Payload) > 0 {
		s.Payload = c.Payload
	}
	if c.Enable != nil {
		s.Enable = *c.Enable
	}
	return s
}

// Service keeps schedules through a Temporal client. The workflows its
// schedules start run on taskQueue, where a worker must have called
// Register.
type Service struct {
	temporal client.Client
	// namespace is the client's, for the schedule calls made on its raw
	// workflow service: the SDK's schedule handle cannot update with a
	// conflict token.
	namespace string
	taskQueue string
	flows     *flowstore.Store
}

// New returns a Service whose schedules start executions of the flows in
// flows, through workflows on taskQueue.
func New(c client.Client, namespace, taskQueue string, flows *flowstore.Store) *Service {
	return &Service{temporal: c, namespace: namespace, taskQueue: taskQueue, flows: flows}
}

// Create creates a schedule and returns it with its ID and times set. A bad
// CronExpression is a *CronError, refused before anything is read. A flow
// that does not exist is flowstore.ErrFlowNotFound, a name in use ErrExists.
func (s *Service) Create(ctx context.Context, sch Schedule) (Schedule, error) {
	spec, err := ParseCron(sch.CronExpression)
	if err != nil {
		return Schedule{}, err
	}
	flow, err := s.flow(ctx, sch.Flow)
	if err != nil {
		return Schedule{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	sch.ID, sch.CreatedTime, sch.LastModifiedTime = uuid.NewString(), now, now
	stored := toStored(sch, flow.ID)
	schedule, err := s.schedule(spec, stored)
	if err != nil {
		return Schedule{}, fmt.Errorf("creating schedule %s of flow %s: %w", sch.Name, sch.Flow, err)
	}
	if err := s.create(ctx, flow, sch.Name, schedule); err != nil {
		return Schedule{}, fmt.Errorf("creating schedule %s of flow %s: %w", sch.Name, sch.Flow, invalidAs(err, sch.CronExpression))
	}
	return sch, nil
}

// Get returns the schedule called name of flow, or ErrNotFound
// (flowstore.ErrFlowNotFound when the flow does not exist).
func (s *Service) Get(ctx context.Context, flow, name string) (Schedule, error) {
	f, err := s.flow(ctx, flow)
	if err != nil {
		return Schedule{}, err
	}
	cur, err := s.read(ctx, f, name)
	if err != nil {
		return Schedule{}, err
	}
	return cur.schedule, nil
}

// Update applies change to a schedule and returns it. A change that changes
// nothing leaves it, LastModifiedTime included, as it is. A bad
// CronExpression is a *CronError; a concurrent change ErrConflict.
func (s *Service) Update(ctx context.Context, flow, name string, change Change) (Schedule, error) {
	var spec *schedulepb.ScheduleSpec
	if change.CronExpression != "" {
		var err error
		if spec, err = ParseCron(change.CronExpression); err != nil {
			return Schedule{}, err
		}
	}
	f, err := s.flow(ctx, flow)
	if err != nil {
		return Schedule{}, err
	}
	cur, err := s.read(ctx, f, name)
	if err != nil {
		return Schedule{}, err
	}
	next := change.apply(cur.schedule)
	if equal(next, cur.schedule) {
		return cur.schedule, nil
	}
	next.LastModifiedTime = time.Now().UTC().Truncate(time.Millisecond)
	if spec == nil {
		spec = cur.spec
	}
	updated, err := s.write(ctx, f, cur, next, spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("updating schedule %s of flow %s: %w", name, flow, err)
	}
	return updated, nil
}

// Delete deletes a schedule, or returns ErrNotFound.
func (s *Service) Delete(ctx context.Context, flow, name string) error {
	f, err := s.flow(ctx, flow)
	if err != nil {
		return err
	}
	if _, err := s.read(ctx, f, name); err != nil {
		return err
	}
	if err := s.deleteID(ctx, ScheduleID(flow, name)); err != nil {
		return fmt.Errorf("deleting schedule %s of flow %s: %w", name, flow, err)
	}
	return nil
}

// List returns up to limit of a flow's schedules after the page pageToken
// (nil for the first) ends, and the token of the next page (nil on the last).
// A page token is Temporal's, opaque: one List did not hand out is a fault
// Temporal reports as it sees fit.
// They come in the order of Temporal's visibility store, most recently
// created (or continued as new by Temporal) first, and a page may hold
// fewer than limit while more follow. Visibility is eventually consistent:
// a schedule created a moment ago may be missing for a moment. Each schedule
// listed costs a DescribeSchedule (7 ms on `fnflow dev`).
func (s *Service) List(ctx context.Context, flow string, pageToken []byte, limit int) ([]Schedule, []byte, error) {
	if !fdl.ValidName(flow) {
		// It is quoted into the query.
		return nil, nil, fmt.Errorf("listing the schedules of flow %q: %w", flow, flowstore.ErrFlowNotFound)
	}
	f, err := s.flow(ctx, flow)
	if err != nil {
		return nil, nil, err
	}
	prefix := ScheduleID(flow, "")
	resp, err := s.temporal.WorkflowService().ListSchedules(ctx, &workflowservice.ListSchedulesRequest{
		Namespace:       s.namespace,
		MaximumPageSize: int32(limit),
		NextPageToken:   pageToken,
		Query:           fmt.Sprintf("ScheduleId STARTS_WITH '%s'", prefix),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("listing the schedules of flow %s: %w", flow, err)
	}
	list := make([]Schedule, 0, len(resp.GetSchedules()))
	for _, entry := range resp.GetSchedules() {
		// SQL visibility matches STARTS_WITH without case: flow "F"'s
		// schedules are in flow "f"'s answer.
		name, ok := strings.CutPrefix(entry.GetScheduleId(), prefix)
		if !ok {
			continue
		}
		// The entry has the spec and the state but not the action, which
		// holds the fnf fields. One at a time: eight at once measured
		// slower on the embedded server.
		cur, err := s.read(ctx, f, name)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since, or a deleted flow's
		}
		if err != nil {
			return nil, nil, fmt.Errorf("listing the schedules of flow %s: %w", flow, err)
		}
		list = append(list, cur.schedule)
	}
	return list, resp.GetNextPageToken(), nil
}

// flow reads a flow for its ID, the one its schedules carry.
func (s *Service) flow(ctx context.Context, name string) (flowstore.Flow, error) {
	f, err := s.flows.Get(ctx, name)
	if err != nil {
		return flowstore.Flow{}, fmt.Errorf("reading the flow of a schedule: %w", err)
	}
	return f, nil
}

func (s *Service) deleteID(ctx context.Context, id string) error {
	_, err := s.temporal.WorkflowService().DeleteSchedule(ctx, &workflowservice.DeleteScheduleRequest{Namespace: s.namespace, ScheduleId: id})
	return notFoundAs(err)
}

func equal(a, b Schedule) bool {
	return a.Description == b.Description && a.CronExpression == b.CronExpression && a.Enable == b.Enable && string(a.Payload) == string(b.Payload)
}

func alreadyExists(err error) bool {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	var exists *serviceerror.AlreadyExists
	return errors.As(err, &started) || errors.As(err, &exists)
}

func notFoundAs(err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return ErrNotFound
	}
	return err
}

// invalidAs turns Temporal's refusal of a spec into a CronError: a time
// zone the Temporal server cannot load (it loads zones on its own machine)
// passes ParseCron but not the server.
func invalidAs(err error, expr string) error {
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) && strings.Contains(invalid.Message, "schedule spec") {
		return &CronError{Expression: expr, Reason: "the Temporal server refuses it: " + invalid.Message}
	}
	return err
}
