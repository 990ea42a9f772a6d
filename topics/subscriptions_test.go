package topics_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/topics"
)

func strPtr(s string) *string { return &s }

func TestSubscriptionLifecycle(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	sub := topics.Subscription{TopicName: topic, Name: "s1", Endpoint: "http://example.test/notify", FilterTag: "important"}
	if created, err := h.store.Subscribe(ctx, sub); err != nil || !created {
		t.Fatalf("subscribe: %v, %v", created, err)
	}
	// The defaults, given or not, are the same subscription.
	same := sub
	same.NotifyStrategy, same.NotifyContentFormat = topics.BackoffRetry, topics.FormatXML
	if created, err := h.store.Subscribe(ctx, same); err != nil || created {
		t.Errorf("subscribing identically again: created %v, %v; want false, nil", created, err)
	}
	other := sub
	other.NotifyContentFormat = topics.FormatJSON
	if _, err := h.store.Subscribe(ctx, other); !errors.Is(err, topics.ErrSubscriptionExists) {
		t.Errorf("subscribing with another format: %v, want ErrSubscriptionExists", err)
	}

	got, err := h.store.GetSubscription(ctx, topic, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.TopicName != topic || got.Name != "s1" || got.Endpoint != sub.Endpoint || got.FilterTag != "important" ||
		got.NotifyStrategy != topics.BackoffRetry || got.NotifyContentFormat != topics.FormatXML ||
		got.CreateTime.IsZero() || !got.LastModifyTime.Equal(got.CreateTime) {
		t.Errorf("get: %+v", got)
	}

	changed, err := h.store.SetSubscriptionAttributes(ctx, topic, "s1", strPtr(topics.ExponentialDecayRetry), nil)
	if err != nil {
		t.Fatal(err)
	}
	if changed.NotifyStrategy != topics.ExponentialDecayRetry || changed.FilterTag != "important" || !changed.LastModifyTime.After(got.CreateTime) {
		t.Errorf("set strategy: %+v", changed)
	}
	changed, err = h.store.SetSubscriptionAttributes(ctx, topic, "s1", nil, strPtr(""))
	if err != nil || changed.FilterTag != "" || changed.NotifyStrategy != topics.ExponentialDecayRetry {
		t.Errorf("clear the filter: %+v, %v", changed, err)
	}
	if again, err := h.store.GetSubscription(ctx, topic, "s1"); err != nil || again != changed {
		t.Errorf("get after set:\n got %+v, %v\nwant %+v", again, err, changed)
	}
	if _, err := h.store.SetSubscriptionAttributes(ctx, topic, "s1", strPtr("SOMETIMES"), nil); invalidCode(err) != "InvalidArgument" {
		t.Errorf("set an unknown strategy: %v", err)
	}
	if _, err := h.store.SetSubscriptionAttributes(ctx, topic, "nope", strPtr(topics.BackoffRetry), nil); !errors.Is(err, topics.ErrSubscriptionNotExist) {
		t.Errorf("set a missing subscription: %v", err)
	}

	if err := h.store.Unsubscribe(ctx, topic, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.GetSubscription(ctx, topic, "s1"); !errors.Is(err, topics.ErrSubscriptionNotExist) {
		t.Errorf("get after unsubscribe: %v", err)
	}
	if err := h.store.Unsubscribe(ctx, topic, "s1"); !errors.Is(err, topics.ErrSubscriptionNotExist) {
		t.Errorf("second unsubscribe: %v", err)
	}
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: "no-such-topic", Name: "s", Endpoint: "http://example.test/"}); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("subscribe to a missing topic: %v", err)
	}
	if _, err := h.store.GetSubscription(ctx, "no-such-topic", "s"); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("get of a missing topic's subscription: %v", err)
	}
}

func TestSubscriptionArgumentsChecked(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	ok := topics.Subscription{TopicName: topic, Name: "s", Endpoint: "http://example.test/"}
	for _, c := range []struct {
		change func(*topics.Subscription)
		code   string
	}{
		{func(s *topics.Subscription) { s.Name = "bad_name" }, "SubscriptionNameInvalid"},
		{func(s *topics.Subscription) { s.Name = strings.Repeat("s", 256) }, "SubscriptionNameLengthError"},
		{func(s *topics.Subscription) { s.Endpoint = "ftp://example.test/" }, "EndpointInvalid"},
		{func(s *topics.Subscription) { s.Endpoint = "http://" }, "EndpointInvalid"},
		{func(s *topics.Subscription) { s.Endpoint = "mail:directmail:someone@example.test" }, "EndpointInvalid"},
		{func(s *topics.Subscription) { s.Endpoint = "acs:mns:cn-test:1234567890:queues/bad_queue" }, "EndpointInvalid"},
		{func(s *topics.Subscription) { s.FilterTag = strings.Repeat("t", 17) }, "InvalidArgument"},
		{func(s *topics.Subscription) { s.NotifyStrategy = "NEVER" }, "InvalidArgument"},
		{func(s *topics.Subscription) { s.NotifyContentFormat = "YAML" }, "InvalidArgument"},
	} {
		sub := ok
		c.change(&sub)
		if _, err := h.store.Subscribe(ctx, sub); invalidCode(err) != c.code {
			t.Errorf("subscribe %+v: %v, want %s", sub, err, c.code)
		}
	}
	for i, endpoint := range []string{
		"https://example.test/a?b=c",
		"acs:mns:cn-test:1234567890:queues/q1",
		"acs:mns:cn-test:1234567890:/queues/q1",
		"acs:mns:::/queues/q1",
		// Code written for Alibaba Cloud keeps its own region and account.
		"acs:mns:cn-hangzhou:999:queues/q1",
	} {
		sub := ok
		sub.Name, sub.Endpoint = "ok-"+string(rune('a'+i)), endpoint
		if _, err := h.store.Subscribe(ctx, sub); err != nil {
			t.Errorf("subscribe to %s: %v", endpoint, err)
		}
	}
	if _, err := h.store.Publish(ctx, topic, topics.Publication{Body: "x", Tag: strings.Repeat("t", 17)}); invalidCode(err) != "InvalidArgument" {
		t.Errorf("publish with a 17-character tag: %v", err)
	}
}

func TestListSubscriptions(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b-2", "a-1", "b-1", "b-3", "c-1"} {
		if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: name, Endpoint: "http://example.test/" + name}); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	marker := ""
	for {
		page, next, err := h.store.ListSubscriptions(ctx, topic, "b-", marker, 2)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range page {
			names = append(names, s.Name)
		}
		pages = append(pages, names)
		if marker = next; marker == "" {
			break
		}
	}
	if want := [][]string{{"b-1", "b-2"}, {"b-3"}}; !slices.EqualFunc(pages, want, slices.Equal) {
		t.Errorf("pages %v, want %v", pages, want)
	}
	all, next, err := h.store.ListSubscriptions(ctx, topic, "", "", 0)
	if err != nil || next != "" || len(all) != 5 || all[0].Name != "a-1" || all[4].Name != "c-1" {
		t.Errorf("all: %v, next %q, %v", all, next, err)
	}
	if _, _, err := h.store.ListSubscriptions(ctx, "no-such-topic", "", "", 10); !errors.Is(err, topics.ErrTopicNotExist) {
		t.Errorf("list of a missing topic: %v", err)
	}
}
