package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
)

// RequestResponse runs a requestResponse task step with the integration of
// its resource kind and returns the step's $local, or the function the
// interpreter must schedule itself.
func (a *Activities) RequestResponse(ctx context.Context, req TaskRequest) (InvokeResult, error) {
	if req.Action != "" {
		return a.invokeAction(ctx, req)
	}
	switch req.Resource.Kind {
	case fdl.ResourceFunction:
		return a.invokeFunction(ctx, req)
	case fdl.ResourceQueue:
		local, err := a.sendToQueue(ctx, req, req.Input)
		return InvokeResult{Output: local}, err
	case fdl.ResourceTopic:
		local, err := a.publishToTopic(ctx, req, req.Input)
		return InvokeResult{Output: local}, err
	default:
		return InvokeResult{}, unsupportedResource(req)
	}
}

// handOver gives a waitForCallback task's input, which carries the callback
// token, to the integration of the task's resource kind. An integration is
// one file; this switch and RequestResponse's are where it plugs in.
// The error is the integration's own, named as a flow sees it. A task the
// workflow must hand over itself returns where to (a Temporal activity), or
// nothing for a child flow, which the workflow starts on the notice alone.
func (a *Activities) handOver(ctx context.Context, req TaskRequest, input map[string]any) (*TemporalBinding, error) {
	switch req.Resource.Kind {
	case fdl.ResourceFunction:
		return a.handOverToFunction(ctx, req, input)
	case fdl.ResourceQueue:
		_, err := a.sendToQueue(ctx, req, input)
		return nil, err
	case fdl.ResourceTopic:
		_, err := a.publishToTopic(ctx, req, input)
		return nil, err
	case fdl.ResourceFlow:
		// Started by the workflow as its child once it has the token
		// (interpreter/childflow.go).
		return nil, nil
	default:
		return nil, unsupportedResource(req)
	}
}

// unsupportedResource is the error of a task whose integration did not run
// when its execution started: an execution recorded before child flows or
// actions ran replays its failure, and retrying cannot help.
func unsupportedResource(req TaskRequest) error {
	target := req.ResourceArn
	if target == "" {
		target = "the task's integration"
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("step %s: %s did not run in the fnflow version this execution started with; start a new execution", req.StepPath, target),
		fdl.ErrRuntime, nil)
}
