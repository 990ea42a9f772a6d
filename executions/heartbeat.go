package executions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/fnflow/fnflow/interpreter"
)

// This file hands a callback task's last heartbeat to its execution when a
// report is about to complete the task, so that the event that ends the task
// in GetExecutionHistory shows it. Temporal keeps an attempt's last
// heartbeat (details and time) on the pending activity only: the completion
// that ends it carries none, so a report reads it first and, only when its
// worker sent one, signals it (interpreter.TaskHeartbeatSignal). A task
// without heartbeats costs the report one DescribeWorkflowExecution and the
// execution nothing; one with heartbeats costs the execution a signal event
// and at most one more workflow task.

// RecordLastHeartbeat tells the execution whose callback task the Temporal
// task token names the last heartbeat the task's worker sent, when it sent
// one. Call it just before the report completes the task: the execution
// takes the heartbeat in when the task ends. A token of anything but a
// waiting step of an fnflow execution is ErrNotExecutionTask; an attempt
// that no longer waits takes no heartbeat and is no error, its report says
// so.
func (s *Service) RecordLastHeartbeat(ctx context.Context, taskToken []byte) error {
	task, _, err := readStepToken(taskToken)
	if err != nil {
		return err
	}
	resp, err := s.temporal.DescribeWorkflowExecution(ctx, task.GetWorkflowId(), task.GetRunId())
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the last heartbeat of task %s of workflow %s: %w", task.GetActivityId(), task.GetWorkflowId(), err)
	}
	for _, p := range resp.GetPendingActivities() {
		if p.GetActivityId() != task.GetActivityId() {
			continue
		}
		if at, details, ok := workerHeartbeat(p); ok {
			return s.signalHeartbeat(ctx, task.GetWorkflowId(), task.GetRunId(), task.GetActivityId(), at, details)
		}
	}
	return nil
}

// workerHeartbeat reads the last heartbeat of a pending callback attempt if
// its worker sent it: its time, and its details when they are JSON (the Web
// UI still shows details another SDK recorded in another form). The attempt
// heartbeats on its own while it hands its work over (a step with
// heartbeatSeconds), without details, and once more as the hand-off ends,
// which replaces any heartbeat before it; a heartbeat from
// ReportTaskHeartbeat always carries one payload, null when it has no
// details (callback.Task.Heartbeat). The payloads tell the two apart.
func workerHeartbeat(p *workflowpb.PendingActivityInfo) (at time.Time, details json.RawMessage, ok bool) {
	if p.GetLastHeartbeatTime() == nil || len(p.GetHeartbeatDetails().GetPayloads()) == 0 {
		return time.Time{}, nil, false
	}
	if fromPayloads(p.GetHeartbeatDetails(), &details) != nil {
		details = nil
	}
	return p.GetLastHeartbeatTime().AsTime(), details, true
}

// RecordWaitingHeartbeat is RecordLastHeartbeat for an attempt Waiting read,
// for a report by step path: its heartbeat is the one ListWaitingTasks
// shows.
func (s *Service) RecordWaitingHeartbeat(ctx context.Context, t WaitingTask) error {
	if t.LastHeartbeat.IsZero() {
		return nil
	}
	return s.signalHeartbeat(ctx, t.WorkflowID, t.RunID, t.ActivityID, t.LastHeartbeat, t.HeartbeatDetails)
}

func (s *Service) signalHeartbeat(ctx context.Context, workflowID, runID, activityID string, at time.Time, details json.RawMessage) error {
	hb := interpreter.TaskHeartbeat{ActivityID: activityID, Details: details, Time: at.UTC().Format(TimeFormat)}
	err := s.temporal.SignalWorkflow(ctx, workflowID, runID, interpreter.TaskHeartbeatSignal, hb)
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		return fmt.Errorf("passing the last heartbeat of task %s to workflow %s: %w", activityID, workflowID, err)
	}
	return nil
}
