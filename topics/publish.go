package topics

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/internal/record"
)

// Publication is a message to publish.
type Publication struct {
	Body string
	// Tag is the MessageTag, at most 16 characters; "" for none.
	Tag string
	// Attributes are the MessageAttributes children (DirectMail,
	// DirectSMS...): kept with the message, ignored by HTTP and queue
	// endpoints, as MNS does.
	Attributes map[string]string
}

// Published is what PublishMessage answers.
type Published struct{ MessageID, BodyMD5 string }

// Publish publishes p to topic and returns once the message is durably
// stored; its deliveries follow. A message no subscription's filter lets
// through has nothing to deliver and is not stored.
func (s *Store) Publish(ctx context.Context, topic string, p Publication) (Published, error) {
	r, err := s.read(ctx, topic)
	if err != nil {
		return Published{}, err
	}
	if len(p.Body) > r.Topic.MaximumMessageSize {
		return Published{}, invalid("InvalidArgument", "the message body has %d bytes, more than topic %s's MaximumMessageSize of %d", len(p.Body), topic, r.Topic.MaximumMessageSize)
	}
	if err := checkTag("MessageTag", p.Tag); err != nil {
		return Published{}, err
	}
	sum := md5.Sum([]byte(p.Body))
	msg := message{
		ID:          newMessageID(),
		Body:        p.Body,
		BodyMD5:     strings.ToUpper(hex.EncodeToString(sum[:])),
		Tag:         p.Tag,
		Attributes:  maps.Clone(p.Attributes),
		PublishTime: time.Now().UnixMilli(),
	}
	pub := publication{TopicOwner: s.cfg.AccountID, TopicName: topic, Message: msg}
	for _, sub := range r.Subscriptions {
		if sub.FilterTag != "" && sub.FilterTag != msg.Tag {
			continue
		}
		queue, err := endpointQueue(sub.Endpoint)
		if err != nil {
			return Published{}, fmt.Errorf("publishing to topic %s: subscription %s: %w", topic, sub.Name, err)
		}
		pub.Targets = append(pub.Targets, target{
			Subscription: sub.Name, Endpoint: sub.Endpoint, Queue: queue,
			Strategy: sub.NotifyStrategy, Format: sub.NotifyContentFormat,
		})
	}
	published := Published{MessageID: msg.ID, BodyMD5: msg.BodyMD5}
	if len(pub.Targets) == 0 {
		return published, nil
	}
	_, err = s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        publicationID(topic, msg.ID),
		TaskQueue: s.cfg.TaskQueue,
		// The topic retention: a message not delivered within a day is dropped.
		WorkflowExecutionTimeout: retention,
		StaticSummary:            fmt.Sprintf("MNS message %s of topic %s", msg.ID, topic),
	}, PublicationWorkflowType, pub)
	if err != nil {
		return Published{}, fmt.Errorf("publishing to topic %s: %w", topic, err)
	}
	return published, nil
}

// newMessageID returns a fresh message ID: 32 uppercase hex digits, as MNS
// queue message IDs look.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// purgeActivity is the name of the topic record's Purge activity. Frozen.
const purgeActivity = "fnflow.mns.PurgeTopic"

// purgePublications terminates the publications of a deleted topic, so that
// its undelivered messages are dropped, as MNS drops them. Visibility lags
// a little: a message published in the last moment before the delete may
// escape and be delivered to the subscriptions it was published with.
func purgePublications(ctx context.Context, topic string) error {
	_, err := record.TerminateRunning(ctx, activity.GetClient(ctx), PublicationWorkflowType, publicationPrefix(topic), "topic "+topic+" was deleted")
	if err != nil {
		return fmt.Errorf("dropping the messages of deleted topic %s: %w", topic, err)
	}
	return nil
}
