package queueload

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/fnflow/fnflow/mnsclient"
)

// MNS returns the Send and Receive of a queue through a gateway's MNS API:
// a message's body is its send time; a receive long-polls for up to 5 s and
// deletes what it got once it has counted it.
func MNS(c *mnsclient.Client, queue string) (Send, Receive) {
	send := func(ctx context.Context, sentAt int64) error {
		_, err := c.Send(ctx, queue, mnsclient.Outgoing{MessageBody: strconv.FormatInt(sentAt, 10)})
		return err
	}
	receive := func(ctx context.Context, received func(sentAt int64)) error {
		m, err := c.Receive(ctx, queue, 5*time.Second)
		if mnsclient.Code(err) == "MessageNotExist" {
			return nil
		}
		if err != nil {
			return err
		}
		sentAt, err := strconv.ParseInt(m.MessageBody, 10, 64)
		if err != nil {
			return fmt.Errorf("message %s: a body that is no send time: %q", m.MessageID, m.MessageBody)
		}
		received(sentAt)
		return c.Delete(ctx, queue, m.ReceiptHandle)
	}
	return send, receive
}
