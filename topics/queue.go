package topics

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/queues"
)

// queueNotifier sends notifications to queue endpoints.
type queueNotifier struct {
	queues *queues.Store // nil: this worker cannot reach queues
}

// notify sends d's notification, in its subscription's format, to its
// queue. Temporal retries it until it succeeds, a worker without a queue
// store included, which a redeployed worker may have. A queue that does not
// exist, or that refuses the notification (larger than its
// MaximumMessageSize, say), makes it undeliverable: retrying cannot help.
func (n queueNotifier) notify(ctx context.Context, d delivery) error {
	if n.queues == nil {
		return errors.New("this worker has no queue store (topics.Deps.Queues) to notify queues with")
	}
	body, _, err := notificationBody(d)
	if err != nil {
		return undeliverable(err)
	}
	_, err = n.queues.SendMessage(ctx, d.Target.Queue, queues.Outgoing{Body: string(body)})
	var invalid *queues.InvalidArgumentError
	switch {
	case errors.Is(err, queues.ErrQueueNotExist), errors.As(err, &invalid):
		return undeliverable(err)
	case err != nil:
		return fmt.Errorf("notifying queue %s of message %s: %w", d.Target.Queue, d.Message.ID, err)
	}
	return nil
}

func undeliverable(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errUndeliverable, err)
}
