package topics_test

import (
	"flag"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// -update records the histories of TestRecordHistories into
// testdata/histories for TestReplayRecordedHistories.
var update = flag.Bool("update", false, "record topic and publication histories into testdata/histories")

// TestRecordHistories runs a topic through its changes and a publication
// through an HTTP retry and a queue delivery, and with -update keeps their
// histories.
func TestRecordHistories(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	topicRun, err := h.client.DescribeWorkflowExecution(ctx, "mns-topic:"+topic, "")
	if err != nil {
		t.Fatal(err)
	}
	sub := newSubscriber(t, http.StatusInternalServerError)
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: "flaky", Endpoint: sub.URL + "/notifications", FilterTag: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: "gone", Endpoint: "http://example.test/"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.queues.CreateQueue(ctx, topic, queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: "to-queue", Endpoint: "acs:mns:::/queues/" + topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SetTopicAttributes(ctx, topic, topics.TopicChange{LoggingEnabled: boolPtr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SetSubscriptionAttributes(ctx, topic, "flaky", strPtr(topics.BackoffRetry), strPtr("")); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Unsubscribe(ctx, topic, "gone"); err != nil {
		t.Fatal(err)
	}
	p, err := h.store.Publish(ctx, topic, topics.Publication{Body: "recorded message", Tag: "t"})
	if err != nil {
		t.Fatal(err)
	}
	sub.next(t)
	sub.next(t)
	awaitDelivered(t, h, topic, p.MessageID)
	if err := h.store.DeleteTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	if err := h.queues.DeleteQueue(ctx, topic); err != nil {
		t.Fatal(err)
	}
	// The record workflow ends once its purge ran.
	if err := h.client.GetWorkflow(ctx, "mns-topic:"+topic, topicRun.GetWorkflowExecutionInfo().GetExecution().GetRunId()).Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !*update {
		return
	}
	dir := filepath.Join("testdata", "histories")
	testenv.RecordHistory(t, h.client, "mns-topic:"+topic, topicRun.GetWorkflowExecutionInfo().GetExecution().GetRunId(), filepath.Join(dir, "topic_lifecycle.json"))
	testenv.RecordHistory(t, h.client, topics.PublicationID(topic, p.MessageID), "", filepath.Join(dir, "publication_retry.json"))
}

// TestReplayRecordedHistories replays the recorded histories. A change to
// the topic record or publication workflows that would break the ones
// already running fails here; guard such a change with workflow.GetVersion
// and record a new history beside the old
// (go test ./topics -run RecordHistories -update).
func TestReplayRecordedHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories", "*.json"), "go test ./topics -run RecordHistories -update", topics.RegisterWorkflows)
}
