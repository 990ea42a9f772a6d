package topics_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// A queue endpoint gets the notification as a queue message, in the
// subscription's format; one whose queue does not exist is dropped, not
// retried.
func TestQueueEndpoint(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic, queue := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-queue")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.queues.CreateQueue(ctx, queue, queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []topics.Subscription{
		{TopicName: topic, Name: "to-queue", Endpoint: "acs:mns:cn-test:1234567890:queues/" + queue, NotifyContentFormat: topics.FormatJSON},
		{TopicName: topic, Name: "to-no-queue", Endpoint: "acs:mns:::/queues/" + testenv.ResourceName(t, "-missing")},
	} {
		if _, err := h.store.Subscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now().UnixMilli()
	p, err := h.store.Publish(ctx, topic, topics.Publication{Body: "into a queue", Tag: "q"})
	if err != nil {
		t.Fatal(err)
	}

	var msgs []queues.Message
	for deadline := time.Now().Add(20 * time.Second); len(msgs) == 0 && time.Now().Before(deadline); {
		if msgs, err = h.queues.ReceiveMessages(ctx, queue, 16, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if len(msgs) != 1 {
		t.Fatalf("the queue holds %d messages, want the notification", len(msgs))
	}
	var n map[string]string
	if err := json.Unmarshal([]byte(msgs[0].Body), &n); err != nil {
		t.Fatalf("the queue message is not a JSON notification: %v: %s", err, msgs[0].Body)
	}
	publishTime, err := strconv.ParseInt(n["PublishTime"], 10, 64)
	want := map[string]string{
		"TopicOwner": "1234567890", "TopicName": topic, "Subscriber": "1234567890", "SubscriptionName": "to-queue",
		"MessageId": p.MessageID, "Message": "into a queue", "MessageMD5": p.BodyMD5, "MessageTag": "q", "PublishTime": n["PublishTime"],
	}
	if len(n) != len(want) || err != nil || publishTime < before || publishTime > time.Now().UnixMilli() {
		t.Errorf("notification %v, want %v", n, want)
	}
	for key, value := range want {
		if n[key] != value {
			t.Errorf("%s is %q, want %q", key, n[key], value)
		}
	}
	if err := h.queues.DeleteMessage(ctx, queue, msgs[0].ReceiptHandle); err != nil {
		t.Error(err)
	}

	awaitDelivered(t, h, topic, p.MessageID)
	scheduled := 0
	iter := h.client.GetWorkflowHistory(ctx, topics.PublicationID(topic, p.MessageID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if event.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			scheduled++
		}
	}
	if scheduled != 2 {
		t.Errorf("%d delivery activities for two queue subscriptions, want 2: the one to no queue is dropped, not retried", scheduled)
	}
}
