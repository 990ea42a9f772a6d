package mns

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/fnflow/fnflow/topics"
)

// subscriptionBody is Subscribe's body, and SetSubscriptionAttributes'
// (NotifyStrategy, and FilterTag from Java).
type subscriptionBody struct {
	XMLName                                                  xml.Name `xml:"Subscription"`
	Endpoint, FilterTag, NotifyStrategy, NotifyContentFormat *string
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// checkEndpointKind refuses the endpoints MNS delivers to and fnflow does
// not: mail and SMS. Package topics checks the rest.
func checkEndpointKind(endpoint string) error {
	for _, scheme := range []string{"mail:", "sms:"} {
		if strings.HasPrefix(strings.ToLower(endpoint), scheme) {
			return newError(http.StatusBadRequest, "EndpointInvalid",
				"The endpoint %q is a %s endpoint: fnflow does not deliver mail or SMS; subscribe an http(s):// URL or acs:mns:{region}:{account}:queues/{queue}.",
				endpoint, strings.TrimSuffix(scheme, ":"))
		}
	}
	return nil
}

// subscriptionMeta is a subscription as GetSubscriptionAttributes and
// ListSubscriptionByTopic with meta show it; Python requires all but
// FilterTag.
type subscriptionMeta struct {
	TopicOwner, TopicName, SubscriptionName, Subscriber, Endpoint string
	NotifyStrategy, NotifyContentFormat                           string
	FilterTag                                                     string `xml:",omitempty"`
	CreateTime, LastModifyTime                                    int64
}

func (h *Handler) newSubscriptionMeta(s topics.Subscription) *subscriptionMeta {
	return &subscriptionMeta{
		TopicOwner:          h.cfg.AccountID,
		TopicName:           s.TopicName,
		SubscriptionName:    s.Name,
		Subscriber:          h.cfg.AccountID,
		Endpoint:            s.Endpoint,
		NotifyStrategy:      s.NotifyStrategy,
		NotifyContentFormat: s.NotifyContentFormat,
		FilterTag:           s.FilterTag,
		CreateTime:          epochSeconds(s.CreateTime),
		LastModifyTime:      epochSeconds(s.LastModifyTime),
	}
}

type subscriptionReply struct {
	XMLName xml.Name  `xml:"Subscription"`
	NS      namespace `xml:"xmlns,attr"`
	*subscriptionMeta
}

// subscriptionList is ListSubscriptionByTopic's reply, shaped as queueList.
type subscriptionList struct {
	XMLName       xml.Name            `xml:"Subscriptions"`
	NS            namespace           `xml:"xmlns,attr"`
	Subscriptions []subscriptionEntry `xml:"Subscription"`
	NextMarker    string              `xml:",omitempty"`
}

type subscriptionEntry struct {
	SubscriptionURL string
	*subscriptionMeta
}

func (r *request) subscriptionURL(name string) string {
	return r.topicURL(r.topic) + "/subscriptions/" + name
}

// putSubscription is Subscribe, or SetSubscriptionAttributes with
// ?metaoverride=true.
func (h *Handler) putSubscription(ctx context.Context, r *request) (reply, error) {
	override, err := r.flag("metaoverride")
	if err != nil {
		return reply{}, err
	}
	var b subscriptionBody
	if err := decodeXML(r.body, &b); err != nil {
		return reply{}, err
	}
	if override {
		if _, err := h.cfg.Topics.SetSubscriptionAttributes(ctx, r.topic, r.subscription, b.NotifyStrategy, b.FilterTag); err != nil {
			return reply{}, err
		}
		return noContent(), nil
	}
	if err := checkEndpointKind(text(b.Endpoint)); err != nil {
		return reply{}, err
	}
	created, err := h.cfg.Topics.Subscribe(ctx, topics.Subscription{
		TopicName:           r.topic,
		Name:                r.subscription,
		Endpoint:            text(b.Endpoint),
		FilterTag:           text(b.FilterTag),
		NotifyStrategy:      text(b.NotifyStrategy),
		NotifyContentFormat: text(b.NotifyContentFormat),
	})
	if err != nil {
		return reply{}, err
	}
	return createdOrExisting(created, r.subscriptionURL(r.subscription)), nil
}

func (h *Handler) getSubscriptionAttributes(ctx context.Context, r *request) (reply, error) {
	s, err := h.cfg.Topics.GetSubscription(ctx, r.topic, r.subscription)
	if err != nil {
		return reply{}, err
	}
	return ok(subscriptionReply{subscriptionMeta: h.newSubscriptionMeta(s)}), nil
}

// unsubscribe answers 404 SubscriptionNotExist for a subscription that does
// not exist (decision Q10).
func (h *Handler) unsubscribe(ctx context.Context, r *request) (reply, error) {
	if err := h.cfg.Topics.Unsubscribe(ctx, r.topic, r.subscription); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

func (h *Handler) listSubscriptions(ctx context.Context, r *request) (reply, error) {
	l, err := r.listing()
	if err != nil {
		return reply{}, err
	}
	found, next, err := h.cfg.Topics.ListSubscriptions(ctx, r.topic, l.prefix, l.marker, l.limit)
	if err != nil {
		return reply{}, err
	}
	list := subscriptionList{Subscriptions: make([]subscriptionEntry, len(found)), NextMarker: next}
	for i, s := range found {
		list.Subscriptions[i].SubscriptionURL = r.subscriptionURL(s.Name)
		if l.withMeta {
			list.Subscriptions[i].subscriptionMeta = h.newSubscriptionMeta(s)
		}
	}
	return ok(list), nil
}
