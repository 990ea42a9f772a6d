package topics_test

import (
	"flag"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	temporallog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fnflow/fnflow/internal/payload"
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
	topic := topicName(t, "")
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
	record := func(workflowID, runID, file string) {
		var hist historypb.History
		iter := h.client.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
		for iter.HasNext() {
			event, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			hist.Events = append(hist.Events, event)
		}
		text, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&hist)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "histories", file), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	record("mns-topic:"+topic, topicRun.GetWorkflowExecutionInfo().GetExecution().GetRunId(), "topic_lifecycle.json")
	record(topics.PublicationID(topic, p.MessageID), "", "publication_retry.json")
}

// TestReplayRecordedHistories replays the recorded histories. A change to
// the topic record or publication workflows that would break the ones
// already running fails here; guard such a change with workflow.GetVersion
// and record a new history beside the old
// (go test ./topics -run RecordHistories -update).
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/histories (go test ./topics -run RecordHistories -update)")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: payload.Converter})
			if err != nil {
				t.Fatal(err)
			}
			topics.RegisterWorkflows(replayer)
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)), file); err != nil {
				t.Errorf("replaying %s: %v", file, err)
			}
		})
	}
}
