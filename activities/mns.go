package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// This file holds what the queue and topic integrations share: reading a
// message's serviceParams and naming what went wrong.

// messageParams evaluates the task's serviceParams against input, the step
// input with the callback token in it, and returns the message body: a
// string as it is, anything else (the whole input, for MessageBody "$") as
// JSON, which is what the managed service sends (reference fdl.md §5).
func messageParams(req TaskRequest, input map[string]any) (body string, params map[string]any, err error) {
	step := fdl.TaskStep{ServiceParams: req.ServiceParams}
	params, err = step.EvalServiceParams(input)
	if err != nil {
		return "", nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", req.StepPath, err), fdl.ErrRuntime, nil)
	}
	value, ok := params["MessageBody"]
	if !ok {
		// Validation gives every queue and topic task a MessageBody; a
		// request recorded without serviceParams sends the input.
		value = input
	}
	if s, ok := value.(string); ok {
		return s, params, nil
	}
	text, err := payload.Marshal(value)
	if err != nil {
		return "", nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: encoding MessageBody: %v", req.StepPath, err), fdl.ErrRuntime, nil)
	}
	return string(text), params, nil
}

// intParam reads an integer serviceParam (validated by fdl when constant; a
// $ path may give anything), or 0 when it is absent.
func intParam(req TaskRequest, params map[string]any, name string) (int, error) {
	v, ok := params[name]
	if !ok || v == nil {
		return 0, nil
	}
	n, ok := asInt(v)
	if !ok {
		return 0, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: serviceParams.%s is %v, not an integer", req.StepPath, name, v), fdl.ErrMNSInvalid, nil)
	}
	return n, nil
}

// asInt reads an integer as it arrives: json.Number from a payload, int from
// the flow's YAML, float64 from elsewhere.
func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil && n >= math.MinInt32 && n <= math.MaxInt32
	case int:
		return v, true
	case int64:
		return int(v), v >= math.MinInt32 && v <= math.MaxInt32
	case float64:
		return int(v), v == math.Trunc(v) && v >= math.MinInt32 && v <= math.MaxInt32
	default:
		return 0, false
	}
}

// mnsFailure names a failed send or publish as the flow sees it: MNS.<Code>
// for what the queue or topic refused, which retrying cannot change
// (missing, named missingName, or an invalid message); MNS.InternalError,
// retryable, when Temporal could not be reached.
func mnsFailure(cause string, err, missing error, missingName string) error {
	var invalidMessage *queues.InvalidArgumentError
	var invalidPublication *topics.InvalidArgumentError
	switch {
	case errors.Is(err, missing):
		return temporal.NewNonRetryableApplicationError(cause, missingName, nil)
	case errors.As(err, &invalidMessage), errors.As(err, &invalidPublication):
		return temporal.NewNonRetryableApplicationError(cause, fdl.ErrMNSInvalid, nil)
	default:
		return temporal.NewApplicationError(cause, fdl.ErrMNSInternalError)
	}
}
