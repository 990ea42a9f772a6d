package activities

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/topics"
)

// This file is the topic integration: a task step on
// acs:mns:{region}:{account}:/topics/{topic}/messages publishes one message
// to the topic, kept in Temporal by package topics, which pushes it to every
// subscription. Region and account name the deployment's own topics.

// publishToTopic publishes the task's message and returns the step's
// $local: {MessageId, RequestId, MessageBodyMD5}. A waitForCallback task
// publishes the input that carries the token; whichever subscriber does the
// work reports.
func (a *Activities) publishToTopic(ctx context.Context, req TaskRequest, input map[string]any) (map[string]any, error) {
	body, params, err := messageParams(req, input)
	if err != nil {
		return nil, err
	}
	pub := topics.Publication{Body: body}
	if tag, ok := params["MessageTag"].(string); ok {
		pub.Tag = tag
	}
	if pub.Attributes, err = messageAttributes(req, params["MessageAttributes"]); err != nil {
		return nil, err
	}
	if a.Topics == nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: this worker has no topics configured", req.StepPath), fdl.ErrRuntime, nil)
	}
	published, err := a.Topics.Publish(ctx, req.Resource.Name, pub)
	if err != nil {
		return nil, mnsFailure(fmt.Sprintf("step %s: publishing to topic %s: %v", req.StepPath, req.Resource.Name, err), err, topics.ErrTopicNotExist, fdl.ErrTopicNotExist)
	}
	return map[string]any{
		"MessageId":      published.MessageID,
		"MessageBodyMD5": published.BodyMD5,
		"RequestId":      uuid.NewString(),
	}, nil
}

// messageAttributes reads serviceParams.MessageAttributes, an object whose
// children (DirectMail, DirectSMS) MNS takes as JSON strings.
func messageAttributes(req TaskRequest, v any) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	children, ok := v.(map[string]any)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: serviceParams.MessageAttributes must be an object", req.StepPath), fdl.ErrMNSInvalid, nil)
	}
	attrs := make(map[string]string, len(children))
	for name, child := range children {
		if s, ok := child.(string); ok {
			attrs[name] = s
			continue
		}
		text, err := payload.Marshal(child)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: serviceParams.MessageAttributes.%s: %v", req.StepPath, name, err), fdl.ErrMNSInvalid, nil)
		}
		attrs[name] = string(text)
	}
	return attrs, nil
}
