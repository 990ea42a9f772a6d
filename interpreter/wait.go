package interpreter

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
)

// maxWait is the managed service's limit on one wait step (reference §3.4).
const maxWait = 48 * time.Hour

// runWait sleeps on a durable timer for a duration or until a timestamp.
func (ex *execution) runWait(ctx workflow.Context, s *fdl.WaitStep, input map[string]any) (outcome, error) {
	d, err := waitDuration(ctx, s, input)
	if err != nil {
		return outcome{}, err
	}
	if d > maxWait {
		return outcome{}, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: wait of %s is longer than the 2 days a wait step allows", s.Path, d)}
	}
	if d > 0 {
		if err := workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "wait " + s.Path}).Get(ctx, nil); err != nil {
			return outcome{}, err
		}
	}
	return outcome{local: map[string]any{}}, nil
}

func waitDuration(ctx workflow.Context, s *fdl.WaitStep, input map[string]any) (time.Duration, error) {
	if s.Duration != nil {
		seconds := s.Duration.Seconds
		if s.Duration.Path != nil {
			v, err := s.Duration.Path.Get(input)
			if err != nil {
				return 0, runtimeError("duration "+s.Duration.Path.String(), err)
			}
			n, ok := fdl.AsNumber(v)
			if !ok || n < 0 {
				return 0, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: duration %s is %v, not a number of seconds", s.Path, s.Duration.Path, v)}
			}
			seconds = n
		}
		return time.Duration(seconds * float64(time.Second)), nil
	}
	if s.Timestamp == nil {
		return 0, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: wait needs duration or timestamp", s.Path)}
	}
	text := s.Timestamp.Time
	if s.Timestamp.Path != nil {
		v, err := s.Timestamp.Path.Get(input)
		if err != nil {
			return 0, runtimeError("timestamp "+s.Timestamp.Path.String(), err)
		}
		str, ok := v.(string)
		if !ok {
			return 0, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: timestamp %s is %v, not an RFC 3339 string", s.Path, s.Timestamp.Path, v)}
		}
		text = str
	}
	at, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return 0, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: timestamp %q is not RFC 3339", s.Path, text)}
	}
	// A time in the past ends the step at once.
	return at.Sub(workflow.Now(ctx)), nil
}
