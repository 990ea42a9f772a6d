package interpreter

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

// FlowError is a step failure as FDL sees it: an error name that retry and
// catch policies match, and a cause.
type FlowError struct {
	Name  string
	Cause string
}

func (e *FlowError) Error() string { return e.Name + ": " + e.Cause }

func runtimeError(doing string, err error) *FlowError {
	return &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("%s: %v", doing, err)}
}

// asFlowError names any error a step can end with.
func asFlowError(err error) *FlowError {
	var fe *FlowError
	if errors.As(err, &fe) {
		return fe
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		name := appErr.Type()
		if name == "" {
			name = fdl.ErrRuntime
		}
		return &FlowError{Name: name, Cause: appErr.Message()}
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return &FlowError{Name: fdl.ErrTaskTimeout, Cause: "the task did not finish within its timeoutSeconds"}
	}
	var canceledErr *temporal.CanceledError
	if errors.As(err, &canceledErr) {
		return &FlowError{Name: fdl.ErrRuntime, Cause: "canceled"}
	}
	return &FlowError{Name: fdl.ErrRuntime, Cause: err.Error()}
}

// maxHeartbeatCause bounds the last heartbeat's details quoted in the cause
// of FnF.HeartbeatTimeout: the cause goes into the history and $local.cause.
const maxHeartbeatCause = 1024

// heartbeatTimeout names the heartbeat timeout of a callback task attempt
// whose step has heartbeatSeconds; any other error is returned as it is.
// Once the task was handed over (submitted) it is FnF.HeartbeatTimeout, with
// the details of the last heartbeat in the cause. Before, the hand-off
// itself stopped heartbeating (its worker died or stopped): the hand-off did
// not finish, as when its deadline abandons it, and the step is handed over
// again.
func heartbeatTimeout(err error, submitted bool, seconds int) error {
	var timeoutErr *temporal.TimeoutError
	if !errors.As(err, &timeoutErr) || timeoutErr.TimeoutType() != enumspb.TIMEOUT_TYPE_HEARTBEAT {
		return err
	}
	if !submitted {
		return activities.HandoffStopped(fmt.Sprintf("the hand-off stopped heartbeating for %d s before it was recorded (its worker stopped or died)", seconds))
	}
	cause := fmt.Sprintf("no heartbeat for heartbeatSeconds (%d s)", seconds)
	var details json.RawMessage
	// A heartbeat reported without details carries a null payload
	// (callback.Task.Heartbeat): nothing to quote.
	if timeoutErr.HasLastHeartbeatDetails() && timeoutErr.LastHeartbeatDetails(&details) == nil && len(details) > 0 {
		cause += "; the last heartbeat's details: " + truncateUTF8(string(details), maxHeartbeatCause)
	}
	return &FlowError{Name: fdl.ErrHeartbeatTimeout, Cause: cause}
}

// truncateUTF8 cuts s to at most n bytes on a character boundary, marking
// the cut.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// matches tells whether an errors list of a retry or catch policy covers name.
func matches(errorNames []string, name string) bool {
	return slices.Contains(errorNames, name) || slices.Contains(errorNames, fdl.ErrAll)
}
