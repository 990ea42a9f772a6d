package topics

import (
	"encoding/xml"
	"fmt"
	"strconv"

	"github.com/fnflow/fnflow/internal/payload"
)

// The notify content formats and strategies, as the MNS API spells them.
// They are stored in topic records and publication histories: frozen.
const (
	FormatXML        = "XML"
	FormatJSON       = "JSON"
	FormatSimplified = "SIMPLIFIED"

	BackoffRetry          = "BACKOFF_RETRY"
	ExponentialDecayRetry = "EXPONENTIAL_DECAY_RETRY"
)

// message is one published message as its publication workflow holds it.
// Its field names are in every publication's history: frozen.
type message struct {
	ID         string
	Body       string
	BodyMD5    string // uppercase hex MD5 of Body
	Tag        string
	Attributes map[string]string `json:",omitempty"`
	// PublishTime is in epoch milliseconds, as notifications carry it.
	PublishTime int64
}

// notification is the XML and JSON body of a notification (mns-api.md §5).
// JSON carries every value as a string, PublishTime included.
type notification struct {
	XMLName          xml.Name `xml:"http://mns.aliyuncs.com/doc/v1 Notification" json:"-"`
	TopicOwner       string
	TopicName        string
	Subscriber       string
	SubscriptionName string
	MessageId        string
	Message          string
	MessageMD5       string
	MessageTag       string `xml:",omitempty" json:",omitempty"`
	PublishTime      string
}

// notificationBody renders d's message in its subscription's format and
// returns it with its Content-Type. Queue endpoints get the same body as
// HTTP ones.
func notificationBody(d delivery) (body []byte, contentType string, err error) {
	n := notification{
		TopicOwner: d.TopicOwner,
		TopicName:  d.TopicName,
		// One deployment is one account: the subscriber is the topic's owner.
		Subscriber:       d.TopicOwner,
		SubscriptionName: d.Target.Subscription,
		MessageId:        d.Message.ID,
		Message:          d.Message.Body,
		MessageMD5:       d.Message.BodyMD5,
		MessageTag:       d.Message.Tag,
		PublishTime:      strconv.FormatInt(d.Message.PublishTime, 10),
	}
	switch d.Target.Format {
	case FormatXML:
		out, err := xml.Marshal(n)
		if err != nil {
			return nil, "", fmt.Errorf("rendering the XML notification of message %s: %w", d.Message.ID, err)
		}
		return append([]byte(xml.Header), out...), "text/xml;charset=utf-8", nil
	case FormatJSON:
		out, err := payload.Marshal(n)
		if err != nil {
			return nil, "", fmt.Errorf("rendering the JSON notification of message %s: %w", d.Message.ID, err)
		}
		return out, "application/json;charset=utf-8", nil
	case FormatSimplified:
		return []byte(d.Message.Body), "text/plain;charset=utf-8", nil
	}
	return nil, "", fmt.Errorf("subscription %s has an unknown notify content format %q", d.Target.Subscription, d.Target.Format)
}
