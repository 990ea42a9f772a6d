package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/token"
)

// reportReply answers ReportTaskSucceeded and ReportTaskFailed. EventId is
// always 0: the TaskSucceeded or TaskFailed event is written by the execution
// after Temporal accepted the report, so the gateway cannot know its ID;
// GetExecutionHistory shows it.
type reportReply struct {
	reply
	EventId int64
}

func (s *Server) reportTaskSucceeded(ctx context.Context, r *request) (replier, error) {
	callbackToken, taskToken, err := s.openToken(r)
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
	if err := s.cfg.Temporal.CompleteActivity(ctx, taskToken, output, nil); err != nil {
		return nil, reportError(callbackToken, err)
	}
	return &reportReply{}, nil
}

func (s *Server) reportTaskFailed(ctx context.Context, r *request) (replier, error) {
	callbackToken, taskToken, err := s.openToken(r)
	if err != nil {
		return nil, err
	}
	errorName, err := r.required("Error")
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(errorName) > 128 {
		return nil, errInvalidArgument("The parameter Error must be 1 to 128 characters.")
	}
	cause := r.param("Cause")
	if utf8.RuneCountInString(cause) > 4096 {
		return nil, errInvalidArgument("The parameter Cause must be at most 4096 characters.")
	}
	// The error's type is the report's Error, so that the step's retry and
	// catch policies match it by name; its message is the cause.
	if err := s.cfg.Temporal.CompleteActivity(ctx, taskToken, nil, temporal.NewApplicationError(cause, errorName)); err != nil {
		return nil, reportError(callbackToken, err)
	}
	return &reportReply{}, nil
}

// openToken checks the callback token's signature and returns it with the
// Temporal task token inside. A forged, truncated or foreign token is refused
// here, before Temporal is called.
func (s *Server) openToken(r *request) (callbackToken string, taskToken []byte, err error) {
	callbackToken, err = r.required("TaskToken")
	if err != nil {
		return "", nil, err
	}
	taskToken, err = s.cfg.Tokens.OpenFor(token.Callback, callbackToken)
	if err != nil {
		return "", nil, errInvalidArgument("The task token %s is not valid: %v.", token.Redact(callbackToken), err)
	}
	return callbackToken, taskToken, nil
}

// reportError maps what Temporal answered to a report. Temporal cannot tell
// a task that already completed from one that timed out, was retried or
// whose execution ended (reference temporal-notes.md §1.3); for the caller
// they are all a task that can no longer be reported, which Alibaba calls
// TaskAlreadyCompleted. Transient errors are left to asAPIError, which makes
// them 503s: a retried report is safe, a second one is refused.
func reportError(callbackToken string, err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return newError(http.StatusBadRequest, "TaskAlreadyCompleted", "Task %s has already completed.", token.Redact(callbackToken))
	}
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return &apiError{
			status:  http.StatusBadRequest,
			code:    "InvalidArgument",
			message: fmt.Sprintf("Temporal refused the report of task %s: %s", token.Redact(callbackToken), invalid.Message),
			cause:   err,
		}
	}
	return fmt.Errorf("reporting task %s: %w", token.Redact(callbackToken), err)
}
