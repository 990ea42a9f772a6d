package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
)

// handOver gives a waitForCallback task's input, which carries the callback
// token, to the integration of the task's resource kind. An integration is
// one file with one handOverTo... method; this switch is where it plugs in.
// The error is the integration's own, named as a flow sees it.
func (a *Activities) handOver(ctx context.Context, req TaskRequest, input map[string]any) error {
	switch req.Resource.Kind {
	case fdl.ResourceFunction:
		return a.handOverToFunction(ctx, req, input)
	default:
		return unsupportedResource(req)
	}
}

// unsupportedResource is the error of a task whose resource kind has no
// integration in this fnflow version. The flow validated, so it fails at run
// time, and retrying cannot help.
func unsupportedResource(req TaskRequest) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("step %s: resource %s is not supported by this fnflow version; only functions (acs:fc:...) are", req.StepPath, req.ResourceArn),
		fdl.ErrRuntime, nil)
}
