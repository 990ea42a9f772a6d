package interpreter

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
)

// This file is the managed service's limit on the data of one step
// (reference fdl.md §2.1, §7): a step's input, output and $local together
// are at most 32 KiB, and exceeding it fails the execution. fnflow measures
// the JSON as Temporal stores it (internal/payload) and fails the step with
// FnF.DataLimitExceeded, which retry and catch never match: it ends the
// execution, as on the managed service. A worker may set another limit, or
// none; Temporal's own limit on one payload still holds then, and fnflow
// names a breach of it the same way rather than let Temporal refuse the
// task or terminate the execution.

// DefaultMaxStepData is the managed service's limit on one step's input,
// output and $local together, in bytes of JSON.
const DefaultMaxStepData = 32 << 10

// NoStepDataLimit as Options.MaxStepData turns the limit off.
const NoStepDataLimit = -1

const (
	// stepDataLimitsChange made executions check the size of their steps'
	// data. Executions started before it run without the check and replay
	// so. Stored in histories: frozen.
	stepDataLimitsChange = "step-data-limits"
	// temporalPayloadLimit is Temporal's limit on one payload by default
	// (limit.blobSize.error): a task scheduled with a larger input is
	// refused and the execution terminated, a larger result is refused.
	temporalPayloadLimit = 2 << 20
	// requestHeadroom is what a task request carries beside the step's input
	// (its resource, path and serviceParams), kept free under
	// temporalPayloadLimit.
	requestHeadroom = 64 << 10
)

// stepLimits are the data limits of one execution. A nil *stepLimits (an
// execution started before they existed) checks nothing.
type stepLimits struct {
	// maxStepData bounds a step's input, output and $local together; zero
	// means no limit but Temporal's.
	maxStepData int
}

// readLimits fixes the execution's limits at its start. The limit is the
// worker's, not the history's: recording it (SideEffect) keeps a running
// execution to the limit it started with when it is replayed, or resumed by
// a worker with another limit.
func (ex *execution) readLimits(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, stepDataLimitsChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	var limit int
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return ex.opts.stepDataLimit() }).Get(&limit); err != nil {
		return runtimeError("reading the recorded step data limit", err)
	}
	ex.limits = &stepLimits{maxStepData: limit}
	return nil
}

// stepDataLimit is the limit in effect: 0 for none.
func (o Options) stepDataLimit() int {
	switch {
	case o.MaxStepData == 0:
		return DefaultMaxStepData
	case o.MaxStepData < 0:
		return 0
	default:
		return o.MaxStepData
	}
}

// checkInput fails a step whose input alone is over the limit, before the
// step does anything with it.
func (l *stepLimits) checkInput(c *fdl.StepCommon, input map[string]any) error {
	if l == nil {
		return nil
	}
	n, err := encodedSize(input)
	if err != nil {
		return err
	}
	if l.maxStepData > 0 && n > l.maxStepData {
		return dataLimitExceeded("step %s: its input is %d bytes of JSON, more than the %d of a step's input, output and $local together", c.Path, n, l.maxStepData)
	}
	if n > temporalPayloadLimit-requestHeadroom {
		return dataLimitExceeded("step %s: its input is %d bytes of JSON, more than Temporal takes in one payload (%d)", c.Path, n, temporalPayloadLimit-requestHeadroom)
	}
	return nil
}

// checkStep fails a step whose input, output and $local together are over
// the limit.
func (l *stepLimits) checkStep(c *fdl.StepCommon, input map[string]any, local any, output map[string]any) error {
	if l == nil || l.maxStepData == 0 {
		return nil
	}
	total := 0
	for _, v := range []any{input, local, output} {
		n, err := encodedSize(v)
		if err != nil {
			return err
		}
		total += n
	}
	if total > l.maxStepData {
		return dataLimitExceeded("step %s: its input, output and $local are %d bytes of JSON together, more than the %d allowed", c.Path, total, l.maxStepData)
	}
	return nil
}

// checkOutput fails an execution whose output is over the limit, as its
// ExecutionSucceeded event would be, or larger than Temporal takes.
func (l *stepLimits) checkOutput(output map[string]any) error {
	if l == nil {
		return nil
	}
	n, err := encodedSize(output)
	if err != nil {
		return err
	}
	if l.maxStepData > 0 && n > l.maxStepData {
		return dataLimitExceeded("the execution's output is %d bytes of JSON, more than the %d allowed", n, l.maxStepData)
	}
	if n > temporalPayloadLimit-requestHeadroom {
		return dataLimitExceeded("the execution's output is %d bytes of JSON, more than Temporal takes in one payload (%d)", n, temporalPayloadLimit-requestHeadroom)
	}
	return nil
}

// taskError names a task result Temporal refused for its size.
func (l *stepLimits) taskError(s *fdl.TaskStep, err error) error {
	if l == nil || !refusedForSize(err) {
		return err
	}
	return dataLimitExceeded("step %s: the task's result is larger than Temporal takes in one payload (%d bytes by default)", s.Path, temporalPayloadLimit)
}

// endsExecution tells whether a step failure is one retry and catch must
// not see.
func (l *stepLimits) endsExecution(fe *FlowError) bool {
	return l != nil && fe.Name == fdl.ErrDataLimitExceeded
}

func dataLimitExceeded(format string, args ...any) *FlowError {
	return &FlowError{Name: fdl.ErrDataLimitExceeded, Cause: fmt.Sprintf(format, args...)}
}

// refusedForSize tells whether Temporal refused an activity's result for its
// size. The server fails such an activity with a server error ("Complete
// result exceeds size limit."); an SDK that knows the limit (Go's since
// v1.50, fnflow's worker among them) fails it before, with an error coded
// TMPRL1103.
func refusedForSize(err error) bool {
	var serverErr *temporal.ServerError
	if errors.As(err, &serverErr) && strings.Contains(serverErr.Message(), "exceeds size limit") {
		return true
	}
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && strings.Contains(appErr.Message(), "[TMPRL1103]")
}

func encodedSize(v any) (int, error) {
	encoded, err := payload.Marshal(v)
	if err != nil {
		return 0, runtimeError("measuring the step's data", err)
	}
	return len(encoded), nil
}
