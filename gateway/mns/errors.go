package mns

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
)

// apiError is an MNS error: an HTTP status and Code of reference mns-api.md
// §1.5 and a message for the caller. Handlers return it (or an error of the
// queues and topics packages, which classify turns into one); renderError is
// the one place that writes it.
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

func errMalformedXML(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "MalformedXML", format, args...)
}

// errorReply is the error body every SDK decodes; Python requires all four
// children.
type errorReply struct {
	XMLName   xml.Name  `xml:"Error"`
	NS        namespace `xml:"xmlns,attr"`
	Code      string    `xml:"Code"`
	Message   string    `xml:"Message"`
	RequestId string    `xml:"RequestId"`
	HostId    string    `xml:"HostId"`
}

// renderError is Echo's error handler: it writes any error a handler or the
// middleware returned as the MNS error reply, and logs what the caller does
// not see.
func (h *Handler) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	apiErr := classify(err)
	level := slogLevel(apiErr)
	if errors.Is(err, context.Canceled) || c.Request().Context().Err() != nil {
		// The caller went away (a long poll it gave up on, a client that
		// stopped): nothing failed. Temporal's answer to a call its caller
		// canceled is its own Canceled error, not context.Canceled.
		level = slog.LevelDebug
	}
	h.log.Log(c.Request().Context(), level, "MNS request failed", "requestId", requestID(c),
		"method", c.Request().Method, "route", c.Path(), "status", apiErr.status, "code", apiErr.code, "error", err)
	body := errorReply{
		Code:      apiErr.code,
		Message:   apiErr.message,
		RequestId: requestID(c),
		HostId:    baseURL(c.Request()),
	}
	if err := writeXML(c, apiErr.status, body); err != nil {
		h.log.Warn("writing MNS error reply", "requestId", requestID(c), "error", err)
	}
}

// slogLevel is how loud a failure is logged: an error only when the fault
// is ours or Temporal's.
func slogLevel(e *apiError) slog.Level {
	if e.status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// classify turns any error into the error the caller gets. What the caller
// got wrong is an apiError already, or a queues or topics error that
// storeError names; anything else is a fault on our side or Temporal's, and
// the transient kinds become 503 so that callers try again.
func classify(err error) *apiError {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	if apiErr := storeError(err); apiErr != nil {
		return apiErr
	}
	var httpErr *echo.HTTPError
	if errors.As(err, &httpErr) {
		return routeError(httpErr)
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var deadline *serviceerror.DeadlineExceeded
	var notReady *serviceerror.WorkflowNotReady
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) || errors.As(err, &notReady) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &apiError{status: http.StatusServiceUnavailable, code: "ServiceUnavailable",
			message: "The service is temporarily unavailable. Please retry.", cause: err}
	}
	return &apiError{status: http.StatusInternalServerError, code: "InternalError",
		message: "An internal error has occurred. Please retry.", cause: err}
}

// routeError is the error for a request no route takes. MNS has no code for
// a wrong method; the path's errors use InvalidRequestURL with the status
// its error table gives it.
func routeError(httpErr *echo.HTTPError) *apiError {
	switch httpErr.Code {
	case http.StatusMethodNotAllowed:
		return &apiError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed",
			message: "The method is not allowed on this resource.", cause: httpErr}
	case http.StatusNotFound:
		return &apiError{status: http.StatusBadRequest, code: "InvalidRequestURL",
			message: "The request URL names no MNS resource.", cause: httpErr}
	default:
		return &apiError{status: httpErr.Code, code: "InvalidArgument", message: fmt.Sprint(httpErr.Message), cause: httpErr}
	}
}
