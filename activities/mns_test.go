package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// A message body is a string as it is, and anything else as JSON; the
// token is in it because the paths are read from the input that carries it.
func TestMessageParams(t *testing.T) {
	input := map[string]any{"job": "j1", "taskToken": "t1.token", "n": json.Number("12345678901234567890")}
	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"MessageBody": "$"}, `{"job":"j1","n":12345678901234567890,"taskToken":"t1.token"}`},
		{map[string]any{"MessageBody": "$.taskToken"}, `t1.token`},
		{map[string]any{"MessageBody": "plain <text> & more"}, `plain <text> & more`},
		{map[string]any{"MessageBody": map[string]any{"constant": true}}, `{"constant":true}`},
		{nil, `{"job":"j1","n":12345678901234567890,"taskToken":"t1.token"}`},
	} {
		body, _, err := messageParams(TaskRequest{StepPath: "s", ServiceParams: c.params}, input)
		if err != nil || body != c.want {
			t.Errorf("serviceParams %v: body %q, %v; want %q", c.params, body, err, c.want)
		}
	}
	_, _, err := messageParams(TaskRequest{StepPath: "s", ServiceParams: map[string]any{"MessageBody": "$.missing"}}, input)
	if name, _ := errorName(t, err); name != fdl.ErrRuntime {
		t.Errorf("a path that reads nothing: %v, want %s", err, fdl.ErrRuntime)
	}
}

func TestIntParam(t *testing.T) {
	req := TaskRequest{StepPath: "s"}
	for v, want := range map[any]int{json.Number("3"): 3, 16: 16, float64(8): 8} {
		if n, err := intParam(req, map[string]any{"Priority": v}, "Priority"); err != nil || n != want {
			t.Errorf("Priority %v (%T): %d, %v", v, v, n, err)
		}
	}
	if n, err := intParam(req, map[string]any{}, "Priority"); err != nil || n != 0 {
		t.Errorf("absent Priority: %d, %v", n, err)
	}
	for _, v := range []any{"8", 1.5, json.Number("99999999999")} {
		_, err := intParam(req, map[string]any{"Priority": v}, "Priority")
		if name, _ := errorName(t, err); name != fdl.ErrMNSInvalid {
			t.Errorf("Priority %v (%T): %v, want %s", v, v, err, fdl.ErrMNSInvalid)
		}
	}
}

// What the queue or topic refused cannot change by retrying; a failure to
// reach Temporal can.
func TestMNSFailureNames(t *testing.T) {
	for _, c := range []struct {
		err       error
		name      string
		retryable bool
	}{
		{fmt.Errorf("sending: %w", queues.ErrQueueNotExist), fdl.ErrQueueNotExist, false},
		{&queues.InvalidArgumentError{Code: "InvalidArgument", Message: "too big"}, fdl.ErrMNSInvalid, false},
		{&topics.InvalidArgumentError{Code: "InvalidArgument", Message: "bad tag"}, fdl.ErrMNSInvalid, false},
		{errors.New("connection refused"), fdl.ErrMNSInternalError, true},
	} {
		err := mnsFailure("cause", c.err, queues.ErrQueueNotExist, fdl.ErrQueueNotExist)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != c.name || appErr.NonRetryable() == c.retryable {
			t.Errorf("%v: got %v, want %s (retryable %v)", c.err, err, c.name, c.retryable)
		}
	}
}
