package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
)

// This file is the cloud API action integration (`action: product:Action`).
// fnflow cannot call Alibaba Cloud's APIs, so the --functions file binds each
// action to what stands in for it: an HTTP endpoint or a Temporal activity.

// invokeAction runs an action task step. Its request parameters are its
// serviceParams read against the step input. An action bound to a Temporal
// activity is not called here: the result tells the interpreter to schedule
// that activity with the parameters.
func (a *Activities) invokeAction(ctx context.Context, req TaskRequest) (InvokeResult, error) {
	binding, ok := a.Functions.LookupAction(req.Action)
	if !ok {
		// A deployment mistake, not an answer of the API: retrying cannot
		// help, and the flow's policies for the API's errors must not match.
		return InvokeResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: %s", req.StepPath, unboundAction(req.Action)), fdl.ErrRuntime, nil)
	}
	params, err := actionParams(req)
	if err != nil {
		return InvokeResult{}, err
	}
	if binding.Temporal != nil {
		return InvokeResult{Delegate: binding.Temporal, DelegateInput: params}, nil
	}
	stop := keepHeartbeating(ctx)
	defer stop()
	// Without a reply the call may have run, as after a 5xx.
	resp, body, err := a.postJSON(ctx, binding.HTTP, params, fdl.ActionError(req.Action, fdl.ActionInternalError))
	if err != nil {
		return InvokeResult{}, err
	}
	if err := actionReplyError(req.Action, resp, body); err != nil {
		return InvokeResult{}, err
	}
	output, err := replyLocal(body, "action "+req.Action)
	return InvokeResult{Output: output}, err
}

// actionParams evaluates the task's serviceParams, the action's request
// parameters, against the step input. An action without serviceParams is
// called with an empty object, never with the step input: its parameters are
// what the flow names.
func actionParams(req TaskRequest) (map[string]any, error) {
	step := fdl.TaskStep{ServiceParams: req.ServiceParams}
	params, err := step.EvalServiceParams(req.Input)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", req.StepPath, err), fdl.ErrRuntime, nil)
	}
	if params == nil {
		params = map[string]any{}
	}
	return params, nil
}

// actionReply is the error body of Alibaba Cloud's APIs, {"RequestId",
// "HostId", "Code", "Message"}. encoding/json matches keys whatever their
// case, so the "code" and "message" of the ROA-style APIs are read too.
type actionReply struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// actionReplyError names a failed reply as the managed service names the
// API's errors, <product>.<Code>: the reply's own Code, or, without one, the
// common code its status stands for.
func actionReplyError(action string, resp *http.Response, body []byte) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	var reply actionReply
	_ = json.Unmarshal(body, &reply) // a reply that is not JSON is named by its status alone
	cause := reply.Message
	if cause == "" {
		cause = fmt.Sprintf("action %s replied %s: %s", action, resp.Status, truncate(string(body), 512))
	}
	code := reply.Code
	switch {
	case code != "":
	case resp.StatusCode >= 500:
		code = fdl.ActionInternalError
	case resp.StatusCode == http.StatusTooManyRequests:
		code = fdl.ActionThrottling
	default:
		code = fdl.ActionInvalidParameter
	}
	return temporal.NewApplicationError(cause, fdl.ActionError(action, code))
}
