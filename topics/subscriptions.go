package topics

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fnflow/fnflow/internal/record"
)

// Subscription is a subscription to a topic. Its field names are stored in
// topic records: frozen.
type Subscription struct {
	TopicName string
	Name      string
	// Endpoint is an http:// or https:// URL, posted to as given, or a
	// queue: acs:mns:{region}:{account}:queues/{q}.
	Endpoint string
	// FilterTag, when set, lets through only messages with an equal tag.
	FilterTag           string
	NotifyStrategy      string // BACKOFF_RETRY (the default) or EXPONENTIAL_DECAY_RETRY
	NotifyContentFormat string // XML (the default), JSON or SIMPLIFIED
	CreateTime          time.Time
	LastModifyTime      time.Time
}

// Subscribe subscribes sub.Name to sub.TopicName. created is false when the
// subscription exists with identical attributes; ErrSubscriptionExists when
// they differ. Empty NotifyStrategy and NotifyContentFormat take their
// defaults; the times are set here.
func (s *Store) Subscribe(ctx context.Context, sub Subscription) (created bool, err error) {
	sub.NotifyStrategy = cmp.Or(sub.NotifyStrategy, BackoffRetry)
	sub.NotifyContentFormat = cmp.Or(sub.NotifyContentFormat, FormatXML)
	if err := s.checkSubscription(sub); err != nil {
		return false, err
	}
	_, err = s.update(ctx, sub.TopicName, topicChange{Subscribe: &sub})
	if record.RefusalCode(err) == refusedSubscriptionIdentical {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("subscribing %s: %w", sub.Name, err)
	}
	return true, nil
}

func (s *Store) checkSubscription(sub Subscription) error {
	if err := checkSubscriptionName(sub.Name); err != nil {
		return err
	}
	if _, err := endpointQueue(sub.Endpoint); err != nil {
		return err
	}
	if err := checkTag("FilterTag", sub.FilterTag); err != nil {
		return err
	}
	if err := checkNotifyStrategy(sub.NotifyStrategy); err != nil {
		return err
	}
	return checkNotifyContentFormat(sub.NotifyContentFormat)
}

// GetSubscription returns the subscription name of topic.
func (s *Store) GetSubscription(ctx context.Context, topic, name string) (Subscription, error) {
	r, err := s.read(ctx, topic)
	if err != nil {
		return Subscription{}, err
	}
	i, found := r.find(name)
	if !found {
		return Subscription{}, fmt.Errorf("reading subscription %s of topic %s: %w", name, topic, ErrSubscriptionNotExist)
	}
	return r.Subscriptions[i], nil
}

// SetSubscriptionAttributes changes what is not nil of a subscription's
// NotifyStrategy and FilterTag ("" removes the filter).
func (s *Store) SetSubscriptionAttributes(ctx context.Context, topic, name string, notifyStrategy, filterTag *string) (Subscription, error) {
	if notifyStrategy != nil {
		if err := checkNotifyStrategy(*notifyStrategy); err != nil {
			return Subscription{}, err
		}
	}
	if filterTag != nil {
		if err := checkTag("FilterTag", *filterTag); err != nil {
			return Subscription{}, err
		}
	}
	r, err := s.update(ctx, topic, topicChange{SetSubscription: &subscriptionChange{Name: name, NotifyStrategy: notifyStrategy, FilterTag: filterTag}})
	if err != nil {
		return Subscription{}, fmt.Errorf("changing subscription %s: %w", name, err)
	}
	i, _ := r.find(name)
	return r.Subscriptions[i], nil
}

// Unsubscribe removes the subscription name from topic. Messages published
// before are still delivered to it: each holds the subscriptions it had
// when published.
func (s *Store) Unsubscribe(ctx context.Context, topic, name string) error {
	if name == "" {
		return fmt.Errorf("unsubscribing from topic %s: %w", topic, ErrSubscriptionNotExist)
	}
	if _, err := s.update(ctx, topic, topicChange{Unsubscribe: name}); err != nil {
		return fmt.Errorf("unsubscribing %s: %w", name, err)
	}
	return nil
}

// ListSubscriptions returns topic's subscriptions whose names start with
// prefix, in name order, from the first after marker ("" for the start), at
// most limit (1000 for 0 or less), and the marker of the next page, "" on
// the last. Unlike topics, it reads the topic's record and is exact.
func (s *Store) ListSubscriptions(ctx context.Context, topic, prefix, marker string, limit int) ([]Subscription, string, error) {
	r, err := s.read(ctx, topic)
	if err != nil {
		return nil, "", err
	}
	limit = listLimit(limit)
	var page []Subscription
	for _, sub := range r.Subscriptions {
		if !strings.HasPrefix(sub.Name, prefix) || sub.Name <= marker {
			continue
		}
		if len(page) == limit {
			return page, page[limit-1].Name, nil
		}
		page = append(page, sub)
	}
	return page, "", nil
}
