package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
)

// This file is the function integration: functions bound by the worker's
// --functions file, called over HTTP or delegated to a Temporal activity.

const (
	defaultFunctionTimeout   = 5 * time.Minute
	maxFunctionResponseBytes = 2 << 20
	heartbeatEvery           = 10 * time.Second
)

// invokeFunction calls a function for a requestResponse task step. A
// function bound to a Temporal activity is not called here: the result tells
// the interpreter to schedule that activity itself.
func (a *Activities) invokeFunction(ctx context.Context, req TaskRequest) (InvokeResult, error) {
	binding, err := a.functionBinding(req)
	if err != nil {
		return InvokeResult{}, err
	}
	if binding.Temporal != nil {
		return InvokeResult{Delegate: binding.Temporal}, nil
	}
	stop := keepHeartbeating(ctx)
	defer stop()
	body, err := a.postFunction(ctx, binding.HTTP, req.Input)
	if err != nil {
		return InvokeResult{}, err
	}
	output, err := replyLocal(body, "function "+req.ResourceArn)
	return InvokeResult{Output: output}, err
}

// replyLocal reads the JSON reply of what answered, an HTTP function or
// action, as the step's $local. The reply crosses Temporal as the step's
// result: it follows the one rule for JSON there, so its numbers stay exact.
func replyLocal(body []byte, answered string) (any, error) {
	var output any
	if err := payload.Unmarshal(body, &output); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s returned a reply that is not JSON: %v", answered, err), fdl.ErrInvalidLocal, nil)
	}
	if err := payload.CheckNumbers(output); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s returned a reply a flow cannot read: %v", answered, err), fdl.ErrInvalidLocal, nil)
	}
	return output, nil
}

// handOverToFunction calls a function for a waitForCallback task step with
// the input that carries the callback token. The function's reply is not the
// step result: the report is. A function bound to a Temporal activity is
// returned for the workflow to schedule with that input.
func (a *Activities) handOverToFunction(ctx context.Context, req TaskRequest, input map[string]any) (*TemporalBinding, error) {
	binding, err := a.functionBinding(req)
	if err != nil {
		return nil, err
	}
	if binding.Temporal != nil {
		return binding.Temporal, nil
	}
	_, err = a.postFunction(ctx, binding.HTTP, input)
	return nil, err
}

// functionBinding finds how the task's function is bound, or names a
// function the worker was not told about as Function Compute would.
func (a *Activities) functionBinding(req TaskRequest) (*FunctionBinding, error) {
	binding, ok := a.Functions.Lookup(req.Resource)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(unboundFunction(req.ResourceArn, req.Resource), fdl.ErrFunctionNotFound, nil)
	}
	return binding, nil
}

// keepHeartbeating lets Temporal notice a worker that died mid-call: the
// interpreter sets a heartbeat timeout on function calls.
func keepHeartbeating(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		ticker := time.NewTicker(heartbeatEvery)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return cancel
}

// postFunction POSTs input to an HTTP function and returns its reply body, or
// the FnF error the reply stands for.
func (a *Activities) postFunction(ctx context.Context, binding *HTTPBinding, input map[string]any) ([]byte, error) {
	resp, body, err := a.postJSON(ctx, binding, input, fdl.ErrFunctionUnknown)
	if err != nil {
		return nil, err
	}
	if err := functionReplyError(resp, body); err != nil {
		return nil, err
	}
	return body, nil
}

// postJSON POSTs value as JSON to an HTTP binding and returns the reply,
// whatever its status. With no reply to read the call may or may not have
// happened: that failure is named unknown, and retryable.
func (a *Activities) postJSON(ctx context.Context, binding *HTTPBinding, value any, unknown string) (*http.Response, []byte, error) {
	event, err := payload.Marshal(value)
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("encoding the request to %s: %v", binding.URL, err), fdl.ErrRuntime, nil)
	}
	timeout := binding.Timeout
	if timeout <= 0 {
		timeout = defaultFunctionTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, binding.URL, bytes.NewReader(event))
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("building the request to %s: %v", binding.URL, err), fdl.ErrRuntime, nil)
	}
	httpReq.Header.Set("Content-Type", "application/json")
	for k, v := range binding.Headers {
		httpReq.Header.Set(k, v)
	}
	resp, err := a.httpClient().Do(httpReq)
	if err != nil {
		return nil, nil, temporal.NewApplicationError(fmt.Sprintf("calling %s: %v", binding.URL, err), unknown)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFunctionResponseBytes+1))
	if err != nil {
		return nil, nil, temporal.NewApplicationError(fmt.Sprintf("reading reply of %s: %v", binding.URL, err), unknown)
	}
	if len(body) > maxFunctionResponseBytes {
		// Temporal would refuse it as the step's result anyway.
		return nil, nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the reply of %s is larger than %d bytes, Temporal's limit on one payload", binding.URL, maxFunctionResponseBytes), fdl.ErrDataLimitExceeded, nil)
	}
	return resp, body, nil
}

// functionReply is the error body Function Compute returns for an unhandled
// function error, and the code body it returns for its own errors.
type functionReply struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
	Code         string `json:"Code"`
	ErrorCode    string `json:"ErrorCode"`
	Message      string `json:"Message"`
}

// functionReplyError names a failed reply the way Function Compute would
// (reference fdl.md §4.3): the function's own errorType when it raised one,
// FC.<Code> for platform errors, so that retry and catch policies written for
// the managed service keep matching.
func functionReplyError(resp *http.Response, body []byte) error {
	failed := resp.StatusCode < 200 || resp.StatusCode > 299 || resp.Header.Get("X-Fc-Error-Type") != ""
	if !failed {
		return nil
	}
	var reply functionReply
	_ = json.Unmarshal(body, &reply) // a reply that is not JSON is named by its status alone
	if reply.ErrorType != "" || resp.Header.Get("X-Fc-Error-Type") != "" {
		name := reply.ErrorType
		if name == "" {
			name = resp.Header.Get("X-Fc-Error-Type")
		}
		return temporal.NewApplicationError(reply.ErrorMessage, name)
	}
	cause := reply.Message
	if cause == "" {
		cause = fmt.Sprintf("function replied %s: %s", resp.Status, truncate(string(body), 512))
	}
	code := reply.Code
	if code == "" {
		code = reply.ErrorCode
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return temporal.NewApplicationError(cause, fdl.ErrFunctionThrottled)
	case resp.StatusCode >= 500:
		return temporal.NewApplicationError(cause, fdl.ErrFunctionInternal)
	case code != "":
		return temporal.NewApplicationError(cause, fdl.FunctionError(code))
	case resp.StatusCode == http.StatusNotFound:
		return temporal.NewApplicationError(cause, fdl.ErrFunctionNotFound)
	default:
		return temporal.NewApplicationError(cause, fdl.ErrFunctionInvalid)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
