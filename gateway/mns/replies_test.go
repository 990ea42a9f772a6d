package mns

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

var update = flag.Bool("update", false, "rewrite the golden replies under testdata/ (review them by eye)")

// TestGoldenReplies pins every reply document, byte for byte: the roots,
// children and order the SDKs decode (reference mns-api.md §2–§4).
func TestGoldenReplies(t *testing.T) {
	created := time.Unix(1436410894, 0)
	modified := time.Unix(1436411000, 0)
	enqueued := time.UnixMilli(1436410894123)
	queue := queues.Queue{
		Name: "q1",
		Attributes: queues.Attributes{DelaySeconds: 0, MaximumMessageSize: 65536, MessageRetentionPeriod: 345600,
			VisibilityTimeout: 30, PollingWaitSeconds: 10, LoggingEnabled: true},
		CreateTime: created, LastModifyTime: modified,
	}
	received := queues.Message{
		MessageID: "0909FF0D9C3A630C372B8A14BD2011B6", ReceiptHandle: "r1.aGFuZGxl-_", Body: `<b> & "c"`,
		BodyMD5: "9D75198CAA17528AB23790C1861987AF", EnqueueTime: enqueued, NextVisibleTime: enqueued.Add(30 * time.Second),
		FirstDequeueTime: enqueued.Add(time.Second), DequeueCount: 1, Priority: 8,
	}
	peeked := received
	peeked.ReceiptHandle, peeked.NextVisibleTime, peeked.FirstDequeueTime, peeked.DequeueCount = "", time.Time{}, time.Time{}, 0
	topic := topics.Topic{Name: "t1", TopicAttributes: topics.TopicAttributes{MaximumMessageSize: 65536},
		MessageRetentionPeriod: 86400, CreateTime: created, LastModifyTime: modified}
	subscription := topics.Subscription{TopicName: "t1", Name: "s1", Endpoint: "http://example.com/notifications",
		NotifyStrategy: "BACKOFF_RETRY", NotifyContentFormat: "XML", CreateTime: created, LastModifyTime: modified}
	filtered := subscription
	filtered.Name, filtered.FilterTag, filtered.Endpoint = "s2", "important", "acs:mns:cn-local:0:queues/q1"
	h := quiet(Config{AccountID: "1234567890"})
	var seven int64 = 7
	const base = "http://1234567890.mns.cn-local.example.com"

	for name, v := range map[string]any{
		"error": errorReply{Code: "QueueNotExist", Message: "The queue does not exist.",
			RequestId: "5FB3A2C1E8F6A61F23017C2A", HostId: base},
		"queue": queueReply{queueMeta: newQueueMeta(queue, queues.Counters{ActiveMessages: 3, InactiveMessages: 1, DelayMessages: 2})},
		"queues": queueList{Queues: []queueEntry{{QueueURL: base + "/queues/q1"}, {QueueURL: base + "/queues/q2"}},
			NextMarker: "q2"},
		"queues-last-page": queueList{Queues: []queueEntry{{QueueURL: base + "/queues/q3"}}},
		"queues-with-meta": queueList{Queues: []queueEntry{{QueueURL: base + "/queues/q1", queueMeta: newQueueMeta(queue, queues.Counters{})}}},
		"queues-none":      queueList{},
		"sent":             sentReply{sentMessage: sentMessage{MessageId: "0909FF0D9C3A630C372B8A14BD2011B6", MessageBodyMD5: "9D75198CAA17528AB23790C1861987AF"}},
		"received":         messageReply{messageFields: newMessageFields(received)},
		"peeked":           messageReply{messageFields: newMessageFields(peeked)},
		"received-batch":   messagesReply{Messages: []messageFields{newMessageFields(received), newMessageFields(received)}},
		"peeked-batch":     messagesReply{Messages: []messageFields{newMessageFields(peeked)}},
		"batch-sent": sentList{Messages: []sentMessage{
			{MessageId: "A1", MessageBodyMD5: "5D41402ABC4B2A76B9719D911017C592"},
			{MessageId: "A2", MessageBodyMD5: "7D793037A0760186574B0282F2F435E7"}}},
		"batch-sent-partly": sentList{Messages: []sentMessage{
			{MessageId: "A1", MessageBodyMD5: "5D41402ABC4B2A76B9719D911017C592"},
			{ErrorCode: "InvalidArgument", ErrorMessage: "the message body has 2048 bytes, more than queue q1's MaximumMessageSize of 1024"},
			{ErrorCode: "ServiceUnavailable", ErrorMessage: "The service is temporarily unavailable. Please retry."}}},
		"batch-delete-errors": deleteErrors{Errors: []deleteError{
			{ErrorCode: "MessageNotExist", ErrorMessage: "The message does not exist, or the receipt handle is no longer valid.", ReceiptHandle: "r1.c3RhbGU"},
			{ErrorCode: "ReceiptHandleError", ErrorMessage: "The receipt handle is not valid for this queue.", ReceiptHandle: "1-forged+/=="}}},
		"change-visibility":     visibilityReply{ReceiptHandle: "r1.bmV3", NextVisibleTime: 1436410924123},
		"topic":                 topicReply{topicMeta: newTopicMeta(topic, &seven)},
		"topics":                topicList{Topics: []topicEntry{{TopicURL: base + "/topics/t1"}}, NextMarker: "t1"},
		"topics-with-meta":      topicList{Topics: []topicEntry{{TopicURL: base + "/topics/t1", topicMeta: newTopicMeta(topic, nil)}}},
		"subscription":          subscriptionReply{subscriptionMeta: h.newSubscriptionMeta(subscription)},
		"subscription-filtered": subscriptionReply{subscriptionMeta: h.newSubscriptionMeta(filtered)},
		"subscriptions": subscriptionList{Subscriptions: []subscriptionEntry{
			{SubscriptionURL: base + "/topics/t1/subscriptions/s1"}, {SubscriptionURL: base + "/topics/t1/subscriptions/s2"}},
			NextMarker: "s2"},
		"subscriptions-with-meta": subscriptionList{Subscriptions: []subscriptionEntry{
			{SubscriptionURL: base + "/topics/t1/subscriptions/s2", subscriptionMeta: h.newSubscriptionMeta(filtered)}}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := marshalReply(v)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".xml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("reply differs from %s:\ngot  %s\nwant %s", path, got, want)
			}
		})
	}
}
