package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/pagetoken"
)

// This file is fnflow's extensions for the callback steps that wait
// (docs/api.md, Extensions): ListWaitingTasks, what an approval inbox or an
// operator reads, and ReportStepSucceeded and ReportStepFailed, which report
// the step waiting at a step path without its token, as Temporal's
// CompleteActivityByID does. They are signed like every action: a caller
// the gateway accepts may read and report every execution, as it may read
// every token in GetExecutionHistory.

// waitingTaskObject is one task of ListWaitingTasks.
type waitingTaskObject struct {
	FlowName      string
	ExecutionName string
	StepName      string
	StepPath      string
	TaskEventId   int64
	Attempt       int
	// Since is when the task was handed over and began to wait.
	Since string
	// LastHeartbeat and HeartbeatDetails (JSON text) are the last
	// ReportTaskHeartbeat's, when one came.
	LastHeartbeat    string `json:",omitempty"`
	HeartbeatDetails string `json:",omitempty"`
	TaskToken        string
}

type listWaitingTasksReply struct {
	reply
	Tasks     []waitingTaskObject
	NextToken string `json:",omitempty"`
}

// listWaitingTasks lists the tasks waiting for a report in the running
// executions of every flow, of a flow, or in one execution (see
// executions.Service.ListWaiting for what a page costs).
func (s *Server) listWaitingTasks(ctx context.Context, r *request) (replier, error) {
	flowName, err := optionalNameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	name, err := optionalNameParam(r, "ExecutionName")
	if err != nil {
		return nil, err
	}
	if name != "" && flowName == "" {
		// An execution is named within its flow.
		return nil, errMissingParam("FlowName")
	}
	limit, err := r.intParam("Limit", 60, 1, 100)
	if err != nil {
		return nil, err
	}
	pageToken, err := r.nextToken()
	if err != nil {
		return nil, err
	}
	if flowName != "" {
		if _, err := s.flow(ctx, flowName); err != nil {
			return nil, err
		}
	}
	page, err := s.executions.ListWaiting(ctx, flowName, name, limit, pageToken)
	if errors.Is(err, executions.ErrInvalidPageToken) {
		return nil, errInvalidArgument("The NextToken is not valid.")
	}
	if err != nil {
		return nil, executionError(flowName, name, err)
	}
	rep := &listWaitingTasksReply{Tasks: make([]waitingTaskObject, 0, len(page.Tasks)), NextToken: pagetoken.Encode(page.NextPageToken)}
	for _, t := range page.Tasks {
		rep.Tasks = append(rep.Tasks, waitingTaskObject{
			FlowName:         t.FlowName,
			ExecutionName:    t.ExecutionName,
			StepName:         t.StepName,
			StepPath:         t.StepPath,
			TaskEventId:      t.TaskEventID,
			Attempt:          t.Attempt,
			Since:            formatTime(t.Since),
			LastHeartbeat:    formatTime(t.LastHeartbeat),
			HeartbeatDetails: string(t.HeartbeatDetails),
			TaskToken:        t.TaskToken,
		})
	}
	return rep, nil
}

// reportStepReply answers ReportStepSucceeded and ReportStepFailed with the
// attempt they completed.
type reportStepReply struct {
	reply
	StepPath    string
	TaskEventId int64
}

func (s *Server) reportStepSucceeded(ctx context.Context, r *request) (replier, error) {
	step, err := stepParams(r)
	if err != nil {
		return nil, err
	}
	// As ReportTaskSucceeded's: absent is {}, the bytes checked are the
	// bytes completed.
	_, output, err := jsonPayload(r, "Output")
	if err != nil {
		return nil, err
	}
	task, waiting, err := s.waitingAttempt(ctx, step)
	if err != nil {
		return nil, err
	}
	s.recordWaitingHeartbeat(ctx, waiting)
	if err := task.Succeed(ctx, output); err != nil {
		return nil, stepReportError(waiting, err)
	}
	return &reportStepReply{StepPath: waiting.StepPath, TaskEventId: waiting.TaskEventID}, nil
}

func (s *Server) reportStepFailed(ctx context.Context, r *request) (replier, error) {
	step, err := stepParams(r)
	if err != nil {
		return nil, err
	}
	errorName, cause, err := failureParams(r)
	if err != nil {
		return nil, err
	}
	task, waiting, err := s.waitingAttempt(ctx, step)
	if err != nil {
		return nil, err
	}
	s.recordWaitingHeartbeat(ctx, waiting)
	if err := task.Fail(ctx, errorName, cause); err != nil {
		return nil, stepReportError(waiting, err)
	}
	return &reportStepReply{StepPath: waiting.StepPath, TaskEventId: waiting.TaskEventID}, nil
}

// recordWaitingHeartbeat is recordLastHeartbeat for a report by step path.
func (s *Server) recordWaitingHeartbeat(ctx context.Context, t executions.WaitingTask) {
	ctx, cancel := context.WithTimeout(ctx, heartbeatForwardWait)
	defer cancel()
	if err := s.executions.RecordWaitingHeartbeat(ctx, t); err != nil {
		s.log.Warn("the last heartbeat of a reported task is not in its history", "workflowID", t.WorkflowID, "activityID", t.ActivityID, "error", err)
	}
}

// stepRef names the step a report by step path is for; eventID, when not 0,
// names the attempt.
type stepRef struct {
	flow, execution, path string
	eventID               int64
}

func stepParams(r *request) (stepRef, error) {
	flow, execution, err := executionNames(r)
	if err != nil {
		return stepRef{}, err
	}
	path, err := r.required("StepPath")
	if err != nil {
		return stepRef{}, err
	}
	eventID, err := r.intParam("TaskEventId", 0, 1, 1<<62)
	if err != nil {
		return stepRef{}, err
	}
	return stepRef{flow: flow, execution: execution, path: path, eventID: int64(eventID)}, nil
}

// waitingAttempt finds the one attempt the report is for among those
// pending at the step path, refusing a report that could mean several.
func (s *Server) waitingAttempt(ctx context.Context, step stepRef) (*callback.Task, executions.WaitingTask, error) {
	if _, err := s.flow(ctx, step.flow); err != nil {
		return nil, executions.WaitingTask{}, err
	}
	tasks, err := s.executions.Waiting(ctx, step.flow, step.execution)
	if err != nil {
		return nil, executions.WaitingTask{}, executionError(step.flow, step.execution, err)
	}
	var candidates []executions.WaitingTask
	for _, t := range tasks {
		if t.StepPath == step.path && (step.eventID == 0 || t.TaskEventID == step.eventID) {
			candidates = append(candidates, t)
		}
	}
	switch {
	case len(candidates) == 0 && step.eventID != 0:
		return nil, executions.WaitingTask{}, newError(http.StatusBadRequest, "TaskAlreadyCompleted",
			"Task %s#%d of execution %s for flow %s is not waiting: it has already completed, or there is no such task.", step.path, step.eventID, step.execution, step.flow)
	case len(candidates) == 0:
		return nil, executions.WaitingTask{}, newError(http.StatusBadRequest, "TaskNotWaiting",
			"No task of step %s waits in execution %s for flow %s.", step.path, step.execution, step.flow)
	case len(candidates) > 1:
		return nil, executions.WaitingTask{}, newError(http.StatusBadRequest, "AmbiguousTask",
			"%d tasks of step %s wait in execution %s for flow %s: %s. Say which with TaskEventId.",
			len(candidates), step.path, step.execution, step.flow, describeCandidates(candidates))
	case !candidates[0].Submitted:
		return nil, executions.WaitingTask{}, newError(http.StatusConflict, "TaskInvalidState",
			"Task is in an invalid state, please retry: task %s#%d of execution %s for flow %s is still being handed over.",
			step.path, candidates[0].TaskEventID, step.execution, step.flow)
	}
	t := candidates[0]
	return s.callbacks.Attempt(s.cfg.Namespace, t.WorkflowID, t.RunID, t.ActivityID), t, nil
}

// describeCandidates lists the attempts a report could mean, for the caller
// to choose from.
func describeCandidates(tasks []executions.WaitingTask) string {
	parts := make([]string, 0, len(tasks))
	for _, t := range tasks {
		state := "being handed over"
		if t.Submitted {
			state = "waiting since " + formatTime(t.Since)
		}
		parts = append(parts, fmt.Sprintf("TaskEventId %d (attempt %d, %s)", t.TaskEventID, t.Attempt, state))
	}
	return strings.Join(parts, ", ")
}

// stepReportError maps what completing an attempt answered, as reportError
// does for a token.
func stepReportError(t executions.WaitingTask, err error) error {
	if errors.Is(err, callback.ErrAlreadyCompleted) {
		return newError(http.StatusBadRequest, "TaskAlreadyCompleted", "Task %s#%d has already completed.", t.StepPath, t.TaskEventID)
	}
	if errors.Is(err, callback.ErrRefused) {
		refused := errInvalidArgument("Temporal refused the report of task %s#%d: %v", t.StepPath, t.TaskEventID, err)
		refused.cause = err
		return refused
	}
	return fmt.Errorf("reporting task %s#%d of %s: %w", t.StepPath, t.TaskEventID, t.WorkflowID, err)
}
