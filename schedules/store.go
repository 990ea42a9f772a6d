package schedules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	schedulepb "go.temporal.io/api/schedule/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/payload"
)

// This file is how a schedule is kept in its Temporal schedule, and read
// back.

const (
	// memoKey is where the record is kept in the memo of the action's
	// workflows. Stored: frozen.
	memoKey = "fnflow.schedule"
	// catchupWindow is how late a fire may still happen, after the server
	// or the worker was down: a fire missed by more is skipped, as a cron
	// that was not running skips it, rather than every fire of a long
	// outage coming at once.
	catchupWindow = time.Minute
)

// record is what a schedule keeps of its fnf fields besides the fire's
// input, in the memo of the workflows its action starts. Stored in every
// schedule: the JSON names are frozen.
type record struct {
	ID               string
	Description      string
	CronExpression   string
	CreatedTime      time.Time
	LastModifiedTime time.Time
	// Revision is new at every write, so that an update can tell whether it
	// was the write applied.
	Revision string
}

// stored is a schedule as its Temporal schedule keeps it, besides its spec.
type stored struct {
	input  fireInput
	record record
	enable bool
}

func toStored(sch Schedule, flowID string) stored {
	return stored{
		input: fireInput{Flow: sch.Flow, Schedule: sch.Name, FlowID: flowID, Payload: sch.Payload},
		record: record{
			ID:               sch.ID,
			Description:      sch.Description,
			CronExpression:   sch.CronExpression,
			CreatedTime:      sch.CreatedTime,
			LastModifiedTime: sch.LastModifiedTime,
			Revision:         uuid.NewString(),
		},
		enable: sch.Enable,
	}
}

// schedule is the Temporal schedule that keeps st and fires on spec.
func (s *Service) schedule(spec *schedulepb.ScheduleSpec, st stored) (*schedulepb.Schedule, error) {
	input, err := payload.Converter.ToPayloads(st.input)
	if err != nil {
		return nil, fmt.Errorf("encoding the fire input: %w", err)
	}
	memo, err := payload.Converter.ToPayload(st.record)
	if err != nil {
		return nil, fmt.Errorf("encoding the schedule record: %w", err)
	}
	summary, err := payload.Converter.ToPayload(fmt.Sprintf("fnflow schedule %s of flow %s", st.input.Schedule, st.input.Flow))
	if err != nil {
		return nil, fmt.Errorf("encoding the summary: %w", err)
	}
	state := &schedulepb.ScheduleState{Paused: !st.enable}
	if !st.enable {
		state.Notes = "paused by fnflow: the schedule's Enable is false"
	}
	return &schedulepb.Schedule{
		Spec: spec,
		Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
			// Temporal appends each fire's time.
			WorkflowId:               ScheduleID(st.input.Flow, st.input.Schedule),
			WorkflowType:             &commonpb.WorkflowType{Name: FireWorkflow},
			TaskQueue:                &taskqueuepb.TaskQueue{Name: s.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			Input:                    input,
			WorkflowExecutionTimeout: durationpb.New(fireTimeout),
			Memo:                     &commonpb.Memo{Fields: map[string]*commonpb.Payload{memoKey: memo}},
			UserMetadata:             &sdkpb.UserMetadata{Summary: summary},
		}}},
		Policies: &schedulepb.SchedulePolicies{
			// Every fire starts an execution of its own, whatever became of
			// the last one, as in the managed service.
			OverlapPolicy: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
			CatchupWindow: durationpb.New(catchupWindow),
		},
		State: state,
	}, nil
}

// create creates the Temporal schedule of the schedule called name of flow
// f, or returns ErrExists. A schedule of the name that belonged to a deleted
// flow of the name is replaced: it goes, as its flow did.
func (s *Service) create(ctx context.Context, f flowstore.Flow, name string, schedule *schedulepb.Schedule) error {
	id := ScheduleID(f.Name, name)
	for round := 0; ; round++ {
		_, err := s.temporal.WorkflowService().CreateSchedule(ctx, &workflowservice.CreateScheduleRequest{
			Namespace:  s.namespace,
			ScheduleId: id,
			Schedule:   schedule,
			RequestId:  uuid.NewString(),
		})
		if !alreadyExists(err) {
			return err
		}
		if round > 0 {
			return ErrExists
		}
		switch _, err := s.read(ctx, f, name); {
		case err == nil:
			return ErrExists
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if err := s.deleteID(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("removing the schedule of the deleted flow of the name: %w", err)
		}
	}
}

// current is a schedule as read, with what an update of it needs.
type current struct {
	schedule      Schedule
	spec          *schedulepb.ScheduleSpec
	revision      string
	conflictToken []byte
}

// read describes the schedule called name of flow f. A schedule fnflow did
// not make, or one of a deleted flow of the same name, is ErrNotFound.
func (s *Service) read(ctx context.Context, f flowstore.Flow, name string) (current, error) {
	resp, err := s.temporal.WorkflowService().DescribeSchedule(ctx, &workflowservice.DescribeScheduleRequest{
		Namespace:  s.namespace,
		ScheduleId: ScheduleID(f.Name, name),
	})
	if err != nil {
		return current{}, fmt.Errorf("reading schedule %s of flow %s: %w", name, f.Name, notFoundAs(err))
	}
	start := resp.GetSchedule().GetAction().GetStartWorkflow()
	inputs := start.GetInput().GetPayloads()
	memo := start.GetMemo().GetFields()[memoKey]
	if start.GetWorkflowType().GetName() != FireWorkflow || len(inputs) != 1 || memo == nil {
		return current{}, fmt.Errorf("reading schedule %s of flow %s: it is not an fnflow schedule: %w", name, f.Name, ErrNotFound)
	}
	var in fireInput
	var rec record
	if err := payload.Converter.FromPayload(inputs[0], &in); err != nil {
		return current{}, fmt.Errorf("reading schedule %s of flow %s: decoding its fire input: %w", name, f.Name, err)
	}
	if err := payload.Converter.FromPayload(memo, &rec); err != nil {
		return current{}, fmt.Errorf("reading schedule %s of flow %s: decoding its record: %w", name, f.Name, err)
	}
	if in.FlowID != f.ID {
		return current{}, fmt.Errorf("reading schedule %s of flow %s: it belongs to a deleted flow of that name: %w", name, f.Name, ErrNotFound)
	}
	return current{
		schedule: Schedule{
			Flow:             in.Flow,
			Name:             in.Schedule,
			ID:               rec.ID,
			Description:      rec.Description,
			Payload:          in.Payload,
			CronExpression:   rec.CronExpression,
			Enable:           !resp.GetSchedule().GetState().GetPaused(),
			CreatedTime:      rec.CreatedTime,
			LastModifiedTime: rec.LastModifiedTime,
		},
		spec:          resp.GetSchedule().GetSpec(),
		revision:      rec.Revision,
		conflictToken: resp.GetConflictToken(),
	}, nil
}

// write replaces schedule cur of flow f with next, firing on spec, unless
// it changed since cur was read (ErrConflict).
func (s *Service) write(ctx context.Context, f flowstore.Flow, cur current, next Schedule, spec *schedulepb.ScheduleSpec) (Schedule, error) {
	st := toStored(next, f.ID)
	schedule, err := s.schedule(spec, st)
	if err != nil {
		return Schedule{}, err
	}
	_, err = s.temporal.WorkflowService().UpdateSchedule(ctx, &workflowservice.UpdateScheduleRequest{
		Namespace:     s.namespace,
		ScheduleId:    ScheduleID(f.Name, next.Name),
		Schedule:      schedule,
		ConflictToken: cur.conflictToken,
		RequestId:     uuid.NewString(),
	})
	var precondition *serviceerror.FailedPrecondition
	switch {
	case errors.As(err, &precondition):
		// How schedules kept by Temporal's CHASM answer a stale token.
		return Schedule{}, ErrConflict
	case err != nil:
		return Schedule{}, invalidAs(notFoundAs(err), next.CronExpression)
	}
	// Workflow-backed schedules drop an update with a stale token without a
	// word: reading back tells whether this one was applied.
	after, err := s.read(ctx, f, next.Name)
	if err != nil {
		return Schedule{}, fmt.Errorf("reading it back: %w", err)
	}
	if after.revision != st.record.Revision {
		return Schedule{}, ErrConflict
	}
	return after.schedule, nil
}
