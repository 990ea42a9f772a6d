package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
)

// apiError is an fnf API error: the HTTP status and Code of reference fdl.md
// §6.7 and a message for the caller. Handlers return it; renderError is the
// one place that writes it.
type apiError struct {
	status  int
	code    string
	message string
	// cause is what went wrong underneath, for the log only.
	cause error
}

func (e *apiError) Error() string { return e.code + ": " + e.message }
func (e *apiError) Unwrap() error { return e.cause }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func errInvalidArgument(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "InvalidArgument", format, args...)
}

func errMissingParam(name string) *apiError {
	return newError(http.StatusBadRequest, "MissingRequiredParams", "The parameter '%s' must be specified.", name)
}

func errEntityTooLarge() *apiError {
	return newError(http.StatusBadRequest, "EntityTooLarge", "The payload size exceeds maximum allowed size (%d bytes).", maxPayload)
}

func errFlowNotExists(flow string) *apiError {
	return newError(http.StatusNotFound, "FlowNotExists", "Flow %s does not exist.", flow)
}

func errExecutionNotExists(flow, execution string) *apiError {
	return newError(http.StatusNotFound, "ExecutionNotExists", "Execution %s for flow %s does not exist.", execution, flow)
}

// errorBody is the error reply. Every field is a string: the core Go SDK
// type-asserts them and panics on anything else.
type errorBody struct {
	RequestId string
	HostId    string
	Code      string
	Message   string
	Recommend string
}

// renderError is Echo's error handler: it turns any error a handler returned
// into the fnf error reply, and keeps what the caller does not see for the
// request's log line.
func (s *Server) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, echo.ErrNotFound) {
		err = notFound(c.Request().URL.Path)
	}
	apiErr := asAPIError(err)
	info := infoOf(c.Request().Context())
	info.code, info.err = apiErr.code, err
	body := errorBody{
		RequestId: requestID(c),
		HostId:    c.Request().Host,
		Code:      apiErr.code,
		Message:   apiErr.message,
	}
	if err := c.JSON(apiErr.status, body); err != nil {
		s.log.Warn("writing error reply", "requestId", requestID(c), "error", err)
	}
}

// asAPIError classifies an error. Handlers return apiErrors for what the
// caller got wrong; anything else is a fault on our side or Temporal's, and
// the transient kinds become 503 so that callers (and SDKs with AutoRetry)
// try again.
func asAPIError(err error) *apiError {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var httpErr *echo.HTTPError
	if errors.As(err, &httpErr) {
		return &apiError{
			status:  httpErr.Code,
			code:    strings.ReplaceAll(http.StatusText(httpErr.Code), " ", ""),
			message: fmt.Sprint(httpErr.Message),
			cause:   err,
		}
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var deadline *serviceerror.DeadlineExceeded
	// A running execution whose first workflow task has not run yet cannot
	// answer a query; it will in a moment.
	var notReady *serviceerror.WorkflowNotReady
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) || errors.As(err, &notReady) || errors.Is(err, context.DeadlineExceeded) {
		return &apiError{
			status:  http.StatusServiceUnavailable,
			code:    "ServiceUnavailable",
			message: "The service is temporarily unavailable. Please retry.",
			cause:   err,
		}
	}
	return &apiError{
		status:  http.StatusInternalServerError,
		code:    "InternalServerError",
		message: "An internal error has occurred. Please retry.",
		cause:   err,
	}
}
