package topics

import (
	"slices"
	"strings"
	"time"

	"github.com/fnflow/fnflow/internal/record"
)

// topicKind keeps each topic, with its subscriptions, as one record: a
// publish reads the topic and all its subscriptions in one consistent read.
var topicKind = &record.Kind[topicRecord, topicChange]{
	WorkflowType: "fnflow.mns.Topic", // frozen
	IDPrefix:     "mns-topic:",       // frozen
	Noun:         "topic",
	Apply:        applyTopicChange,
	// A deleted topic's undelivered messages are dropped, as MNS does.
	Purge: purgeActivity,
}

// topicRecord is a topic record. It is stored in topic histories and memos,
// and with it the field names of Topic and Subscription: frozen.
type topicRecord struct {
	Topic Topic
	// Subscriptions are in name order.
	Subscriptions []Subscription `json:",omitempty"`
}

// topicChange is one update of a topic record: exactly one field is set.
// Field names frozen.
type topicChange struct {
	Attributes      *TopicChange        `json:",omitempty"`
	Subscribe       *Subscription       `json:",omitempty"`
	SetSubscription *subscriptionChange `json:",omitempty"`
	Unsubscribe     string              `json:",omitempty"`
}

// subscriptionChange is SetSubscriptionAttributes: nil leaves a field as it is.
type subscriptionChange struct {
	Name           string
	NotifyStrategy *string `json:",omitempty"`
	FilterTag      *string `json:",omitempty"`
}

// maxSubscriptions bounds a topic's subscriptions: they are all in its
// record workflow's memo and in every publication's input.
const maxSubscriptions = 100

// Refusal codes of topic record updates. They reach callers only, and leave
// no trace in histories.
const (
	refusedSubscriptionExists    = "SubscriptionAlreadyExist"
	refusedSubscriptionNotExist  = "SubscriptionNotExist"
	refusedSubscriptionIdentical = "fnflow.mns.SubscriptionIdentical"
	refusedTooManySubscriptions  = "fnflow.mns.TooManySubscriptions"
)

// applyTopicChange runs in the topic's workflow; the Store has checked the
// change's values. It never changes r in place: the workflow runs it once
// to validate and once to apply.
func applyTopicChange(r topicRecord, c topicChange, now time.Time) (topicRecord, error) {
	switch {
	case c.Attributes != nil:
		r.Topic.TopicAttributes = c.Attributes.applyTo(r.Topic.TopicAttributes)
		r.Topic.LastModifyTime = now
		return r, nil
	case c.Subscribe != nil:
		return subscribe(r, *c.Subscribe, now)
	case c.SetSubscription != nil:
		return setSubscription(r, *c.SetSubscription, now)
	case c.Unsubscribe != "":
		i, found := r.find(c.Unsubscribe)
		if !found {
			return r, record.Refuse(refusedSubscriptionNotExist, "topic %s has no subscription %s", r.Topic.Name, c.Unsubscribe)
		}
		r.Subscriptions = slices.Delete(slices.Clone(r.Subscriptions), i, i+1)
		return r, nil
	}
	return r, record.Refuse("InvalidArgument", "the topic change changes nothing")
}

func subscribe(r topicRecord, sub Subscription, now time.Time) (topicRecord, error) {
	i, found := r.find(sub.Name)
	if found {
		old := r.Subscriptions[i]
		if old.Endpoint == sub.Endpoint && old.FilterTag == sub.FilterTag &&
			old.NotifyStrategy == sub.NotifyStrategy && old.NotifyContentFormat == sub.NotifyContentFormat {
			return r, record.Refuse(refusedSubscriptionIdentical, "topic %s has subscription %s already, identical", r.Topic.Name, sub.Name)
		}
		return r, record.Refuse(refusedSubscriptionExists, "topic %s has subscription %s already, with other attributes", r.Topic.Name, sub.Name)
	}
	if len(r.Subscriptions) >= maxSubscriptions {
		return r, record.Refuse(refusedTooManySubscriptions, "topic %s has %d subscriptions, the most it may have", r.Topic.Name, maxSubscriptions)
	}
	sub.TopicName = r.Topic.Name
	sub.CreateTime, sub.LastModifyTime = now, now
	r.Subscriptions = slices.Insert(slices.Clone(r.Subscriptions), i, sub)
	return r, nil
}

func setSubscription(r topicRecord, c subscriptionChange, now time.Time) (topicRecord, error) {
	i, found := r.find(c.Name)
	if !found {
		return r, record.Refuse(refusedSubscriptionNotExist, "topic %s has no subscription %s", r.Topic.Name, c.Name)
	}
	r.Subscriptions = slices.Clone(r.Subscriptions)
	sub := &r.Subscriptions[i]
	if c.NotifyStrategy != nil {
		sub.NotifyStrategy = *c.NotifyStrategy
	}
	if c.FilterTag != nil {
		sub.FilterTag = *c.FilterTag
	}
	sub.LastModifyTime = now
	return r, nil
}

// find returns where the subscription called name is, or would be.
func (r topicRecord) find(name string) (int, bool) {
	return slices.BinarySearchFunc(r.Subscriptions, name, func(s Subscription, name string) int {
		return strings.Compare(s.Name, name)
	})
}
