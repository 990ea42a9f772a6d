package activities

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/queues"
)

// This file is the queue integration: a task step on
// acs:mns:{region}:{account}:/queues/{queue}/messages sends one message to
// the queue, kept in Temporal by package queues. Region and account name the
// deployment's own queues whatever they say: one fnflow is one account.

// sendToQueue sends the task's message and returns the step's $local:
// {MessageId, MessageBodyMD5, RequestId}. A waitForCallback task sends the
// input that carries the token; the report decides the step, not this.
func (a *Activities) sendToQueue(ctx context.Context, req TaskRequest, input map[string]any) (map[string]any, error) {
	body, params, err := messageParams(req, input)
	if err != nil {
		return nil, err
	}
	priority, err := intParam(req, params, "Priority")
	if err != nil {
		return nil, err
	}
	msg := queues.Outgoing{Body: body, Priority: priority}
	if _, set := params["DelaySeconds"]; set {
		delay, err := intParam(req, params, "DelaySeconds")
		if err != nil {
			return nil, err
		}
		msg.DelaySeconds = &delay
	}
	if a.Queues == nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: this worker has no queues configured", req.StepPath), fdl.ErrRuntime, nil)
	}
	sent, err := a.Queues.SendMessage(ctx, req.Resource.Name, msg)
	if err != nil {
		return nil, mnsFailure(fmt.Sprintf("step %s: sending to queue %s: %v", req.StepPath, req.Resource.Name, err), err, queues.ErrQueueNotExist, fdl.ErrQueueNotExist)
	}
	return map[string]any{
		"MessageId":      sent.MessageID,
		"MessageBodyMD5": sent.BodyMD5,
		// No HTTP request carried it; the ID names this send in logs.
		"RequestId": uuid.NewString(),
	}, nil
}
