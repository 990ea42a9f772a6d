package interpreter

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"

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

// matches tells whether an errors list of a retry or catch policy covers name.
func matches(errorNames []string, name string) bool {
	return slices.Contains(errorNames, name) || slices.Contains(errorNames, fdl.ErrAll)
}
