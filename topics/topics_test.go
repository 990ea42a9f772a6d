package topics_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/topics"
)

func intPtr(n int) *int    { return &n }
func boolPtr(b bool) *bool { return &b }

func invalidCode(err error) string {
	var invalid *topics.InvalidArgumentError
	if errors.As(err, &invalid) {
		return invalid.Code
	}
	return ""
}

func TestTopicLifecycle(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	name := testenv.ResourceName(t, "")
	created, err := h.store.CreateTopic(ctx, name, topics.TopicChange{LoggingEnabled: boolPtr(true)})
	if err != nil || !created {
		t.Fatalf("create: %v, %v", created, err)
	}
	if created, err := h.store.CreateTopic(ctx, name, topics.TopicChange{LoggingEnabled: boolPtr(true), MaximumMessageSize: intPtr(65536)}); err != nil || created {
		t.Errorf("creating it again with identical attributes: created %v, %v; want false, nil", created, err)
	}
	if _, err := h.store.CreateTopic(ctx, name, topics.TopicChange{MaximumMessageSize: intPtr(2048)}); !errors.Is(err, topics.ErrTopicExists) {
		t.Errorf("creating it again with other attributes: %v, want ErrTopicExists", err)
	}
	topic, count, err := h.store.GetTopic(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	want := topics.TopicAttributes{MaximumMessageSize: 65536, LoggingEnabled: true}
	if topic.Name != name || topic.TopicAttributes != want || topic.MessageRetentionPeriod != 86400 || count != 0 ||
		topic.CreateTime.IsZero() || !topic.LastModifyTime.Equal(topic.CreateTime) {
		t.Errorf("get: %+v, %d messages", topic, count)
	}

	changed, err := h.store.SetTopicAttributes(ctx, name, topics.TopicChange{MaximumMessageSize: intPtr(1024)})
	if err != nil {
		t.Fatal(err)
	}
	want.MaximumMessageSize = 1024
	if changed.TopicAttributes != want || !changed.CreateTime.Equal(topic.CreateTime) || !changed.LastModifyTime.After(topic.CreateTime) {
		t.Errorf("set: %+v", changed)
	}
	if got, _, err := h.store.GetTopic(ctx, name); err != nil || got != changed {
		t.Errorf("get after set:\n got %+v, %v\nwant %+v", got, err, changed)
	}
	if _, err := h.store.Publish(ctx, name, topics.Publication{Body: strings.Repeat("x", 1025)}); invalidCode(err) != "InvalidArgument" {
		t.Errorf("publishing 1025 bytes to a topic of MaximumMessageSize 1024: %v", err)
	}
	// With no subscription there is nothing to deliver, and nothing stored.
	p, err := h.store.Publish(ctx, name, topics.Publication{Body: strings.Repeat("x", 1024)})
	if err != nil || p.MessageID == "" {
		t.Errorf("publishing to a topic with no subscription: %+v, %v", p, err)
	}
	var notFound *serviceerror.NotFound
	if _, err := h.client.DescribeWorkflowExecution(ctx, topics.PublicationID(name, p.MessageID), ""); !errors.As(err, &notFound) {
		t.Errorf("a message with no subscription to go to was stored: %v", err)
	}

	if err := h.store.DeleteTopic(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.GetTopic(ctx, name); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("get after delete: %v, want ErrTopicNotExist", err)
	}
	if err := h.store.DeleteTopic(ctx, name); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("second delete: %v, want ErrTopicNotExist", err)
	}
	if _, err := h.store.SetTopicAttributes(ctx, name, topics.TopicChange{LoggingEnabled: boolPtr(false)}); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("set after delete: %v, want ErrTopicNotExist", err)
	}
	if _, err := h.store.Publish(ctx, name, topics.Publication{Body: "x"}); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("publish after delete: %v, want ErrTopicNotExist", err)
	}
	// The name is free again at once: the create waits out the purge.
	if created, err := h.store.CreateTopic(ctx, name, topics.TopicChange{}); err != nil || !created {
		t.Errorf("create after delete: %v, %v", created, err)
	}
	if topic, _, err := h.store.GetTopic(ctx, name); err != nil || topic.LoggingEnabled || topic.MaximumMessageSize != 65536 {
		t.Errorf("the topic created again: %+v, %v", topic, err)
	}
}

func TestTopicArgumentsChecked(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	for _, c := range []struct {
		name  string
		attrs topics.TopicChange
		code  string
	}{
		{"-starts-with-hyphen", topics.TopicChange{}, "TopicNameInvalid"},
		{"has_underscore", topics.TopicChange{}, "TopicNameInvalid"},
		{"", topics.TopicChange{}, "TopicNameInvalid"},
		{strings.Repeat("a", 256), topics.TopicChange{}, "TopicNameLengthError"},
		{"size-too-small", topics.TopicChange{MaximumMessageSize: intPtr(1023)}, "InvalidArgument"},
		{"size-too-large", topics.TopicChange{MaximumMessageSize: intPtr(65537)}, "InvalidArgument"},
	} {
		if _, err := h.store.CreateTopic(ctx, c.name, c.attrs); invalidCode(err) != c.code {
			t.Errorf("create %q %+v: %v, want %s", c.name, c.attrs, err, c.code)
		}
	}
	if _, err := h.store.CreateTopic(ctx, strings.Repeat("a", 255), topics.TopicChange{}); err != nil {
		t.Errorf("a 255-character name: %v", err)
	}
	if _, _, err := h.store.GetTopic(ctx, "no/such"); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("get of an invalid name: %v, want ErrTopicNotExist", err)
	}
}

func TestListTopics(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	prefix := testenv.ResourceName(t, "-")
	names := []string{prefix + "c", prefix + "a", prefix + "b", prefix + "d"}
	for _, name := range names {
		if _, err := h.store.CreateTopic(ctx, name, topics.TopicChange{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.store.DeleteTopic(ctx, prefix+"d"); err != nil {
		t.Fatal(err)
	}
	// Visibility is eventually consistent: page until a, b, c show, in name
	// order, two to a page.
	want := []string{prefix + "a", prefix + "b", prefix + "c"}
	var got []string
	var pages int
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got, pages = nil, 0
		marker := ""
		for {
			page, next, err := h.store.ListTopics(ctx, prefix, marker, 2)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, topic := range page {
				got = append(got, topic.Name)
			}
			if marker = next; marker == "" {
				break
			}
		}
		if slices.Equal(got, want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("listed %v in %d pages, want %v in 2", got, pages, want)
	}
	if _, _, err := h.store.ListTopics(ctx, prefix, "other-prefix", 2); invalidCode(err) != "InvalidArgument" {
		t.Errorf("a marker from another prefix: %v", err)
	}
}

// Deleting a topic drops its messages not yet delivered.
func TestDeleteTopicDropsUndelivered(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	name := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, name, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	down := newSubscriber(t, slices.Repeat([]int{http.StatusServiceUnavailable}, 100)...)
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: name, Name: "down", Endpoint: down.URL, NotifyStrategy: topics.ExponentialDecayRetry}); err != nil {
		t.Fatal(err)
	}
	p, err := h.store.Publish(ctx, name, topics.Publication{Body: "never delivered"})
	if err != nil {
		t.Fatal(err)
	}
	down.next(t)
	// MessageCount counts it while it is retried (visibility lags a little).
	var count int64
	for deadline := time.Now().Add(10 * time.Second); count != 1 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, count, err = h.store.GetTopic(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if count != 1 {
		t.Errorf("MessageCount %d while the message is retried, want 1", count)
	}
	if err := h.store.DeleteTopic(ctx, name); err != nil {
		t.Fatal(err)
	}
	run := h.client.GetWorkflow(ctx, topics.PublicationID(name, p.MessageID), "")
	_ = run.Get(ctx, nil)
	desc, err := h.client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if status := desc.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("the undelivered message's publication is %v, want terminated", status)
	}
}
