package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/token"
)

// reportReply answers ReportTaskSucceeded and ReportTaskFailed. EventId is
// the event the report produced (see reportedEvent).
type reportReply struct {
	reply
	EventId int64
}

func (s *Server) reportTaskSucceeded(ctx context.Context, r *request) (replier, error) {
	task, err := s.openTask(r)
	if err != nil {
		return nil, err
	}
	// An absent Output is an empty object: a step with nothing to report
	// still succeeds. The bytes checked are the bytes completed: Temporal
	// fails a task whose result it cannot store, after this answer.
	_, output, err := jsonPayload(r, "Output")
	if err != nil {
		return nil, err
	}
	s.recordLastHeartbeat(ctx, r, task)
	if err := task.Succeed(ctx, output); err != nil {
		return nil, reportError(r, err)
	}
	return &reportReply{EventId: s.reportedEvent(ctx, r, task)}, nil
}

func (s *Server) reportTaskFailed(ctx context.Context, r *request) (replier, error) {
	task, err := s.openTask(r)
	if err != nil {
		return nil, err
	}
	errorName, cause, err := failureParams(r)
	if err != nil {
		return nil, err
	}
	s.recordLastHeartbeat(ctx, r, task)
	if err := task.Fail(ctx, errorName, cause); err != nil {
		return nil, reportError(r, err)
	}
	return &reportReply{EventId: s.reportedEvent(ctx, r, task)}, nil
}

// heartbeatForwardWait bounds how long a report spends passing its task's
// last heartbeat on before it completes the task: two calls to Temporal.
const heartbeatForwardWait = 2 * time.Second

// recordLastHeartbeat passes the last heartbeat of the task a report is
// about to complete to its execution, for the history
// (executions.Service.RecordLastHeartbeat). Best effort: a report is never
// refused for it, and a heartbeat lost is logged.
func (s *Server) recordLastHeartbeat(ctx context.Context, r *request, task *callback.Task) {
	ctx, cancel := context.WithTimeout(ctx, heartbeatForwardWait)
	defer cancel()
	if err := s.executions.RecordLastHeartbeat(ctx, task.TemporalToken()); err != nil && !errors.Is(err, executions.ErrNotExecutionTask) {
		s.log.Warn("the last heartbeat of a reported task is not in its history", "task", token.Redact(r.param("TaskToken")), "error", err)
	}
}

// failureParams reads a failure report's Error (1 to 128 characters) and
// Cause (at most 4096), as ReportTaskFailed takes them.
func failureParams(r *request) (errorName, cause string, err error) {
	if errorName, err = r.required("Error"); err != nil {
		return "", "", err
	}
	if utf8.RuneCountInString(errorName) > 128 {
		return "", "", errInvalidArgument("The parameter Error must be 1 to 128 characters.")
	}
	cause = r.param("Cause")
	if utf8.RuneCountInString(cause) > 4096 {
		return "", "", errInvalidArgument("The parameter Cause must be at most 4096 characters.")
	}
	return errorName, cause, nil
}

// openTask opens the TaskToken parameter, refusing a forged, truncated or
// foreign token before Temporal is called.
func (s *Server) openTask(r *request) (*callback.Task, error) {
	callbackToken, err := r.required("TaskToken")
	if err != nil {
		return nil, err
	}
	task, err := s.callbacks.Open(callbackToken)
	if err != nil {
		return nil, errInvalidArgument("The task token %s is not valid: %v.", token.Redact(callbackToken), err)
	}
	return task, nil
}

// reportError maps what completing a task answered to the report's API
// error (see callback.ErrAlreadyCompleted). Transient errors are left to
// asAPIError, which makes them 503s: a retried report is safe, a second one
// is refused.
func reportError(r *request, err error) error {
	redacted := token.Redact(r.param("TaskToken"))
	if errors.Is(err, callback.ErrAlreadyCompleted) {
		return newError(http.StatusBadRequest, "TaskAlreadyCompleted", "Task %s has already completed.", redacted)
	}
	var invalid *serviceerror.InvalidArgument
	if errors.Is(err, callback.ErrRefused) && errors.As(err, &invalid) {
		return &apiError{
			status:  http.StatusBadRequest,
			code:    "InvalidArgument",
			message: fmt.Sprintf("Temporal refused the report of task %s: %s", redacted, invalid.Message),
			cause:   err,
		}
	}
	return fmt.Errorf("reporting task %s: %w", redacted, err)
}

// maxHeartbeatDetails bounds a heartbeat's Details: progress to show, not a
// result. Temporal rewrites the last details of the attempt at every
// heartbeat.
const maxHeartbeatDetails = 32 << 10

// reportTaskHeartbeat is fnflow's ReportTaskHeartbeat (docs/api.md,
// Extensions): whoever holds a task's token says it is still at work, which
// keeps a step with heartbeatSeconds waiting. Details, any JSON value, show
// in the Web UI and in ListWaitingTasks.
func (s *Server) reportTaskHeartbeat(ctx context.Context, r *request) (replier, error) {
	task, err := s.openTask(r)
	if err != nil {
		return nil, err
	}
	details, err := heartbeatDetails(r)
	if err != nil {
		return nil, err
	}
	if err := task.Heartbeat(ctx, details); err != nil {
		return nil, reportError(r, err)
	}
	return &reply{}, nil
}

// heartbeatDetails reads the optional Details parameter, compacted; nil when
// it is absent.
func heartbeatDetails(r *request) (json.RawMessage, error) {
	text := r.param("Details")
	if text == "" {
		return nil, nil
	}
	if len(text) > maxHeartbeatDetails {
		return nil, errInvalidArgument("The parameter Details must be at most %d bytes of JSON.", maxHeartbeatDetails)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		return nil, errInvalidArgument("The parameter Details must be JSON: %v.", err)
	}
	return compact.Bytes(), nil
}
