package mns

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"

	"github.com/fnflow/fnflow/topics"
)

// topicBody is CreateTopic's and SetTopicAttributes' body; every element is
// optional.
type topicBody struct {
	XMLName                            xml.Name `xml:"Topic"`
	MaximumMessageSize, LoggingEnabled *string
}

// topicChange reads a topic body; an empty body changes nothing.
func topicChange(body []byte) (topics.TopicChange, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return topics.TopicChange{}, nil
	}
	var b topicBody
	if err := decodeXML(body, &b); err != nil {
		return topics.TopicChange{}, err
	}
	size, err := intElement("MaximumMessageSize", b.MaximumMessageSize)
	if err != nil {
		return topics.TopicChange{}, err
	}
	logging, err := boolElement("LoggingEnabled", b.LoggingEnabled)
	if err != nil {
		return topics.TopicChange{}, err
	}
	return topics.TopicChange{MaximumMessageSize: size, LoggingEnabled: logging}, nil
}

// topicMeta is a topic as GetTopicAttributes and ListTopic with meta show
// it; Python requires all seven of GetTopicAttributes. A list has no
// MessageCount: it would cost a visibility query per topic.
type topicMeta struct {
	TopicName                  string
	CreateTime, LastModifyTime int64
	MaximumMessageSize         int
	MessageRetentionPeriod     int
	MessageCount               *int64 `xml:",omitempty"`
	LoggingEnabled             string
}

func newTopicMeta(t topics.Topic, messageCount *int64) *topicMeta {
	return &topicMeta{
		TopicName:              t.Name,
		CreateTime:             epochSeconds(t.CreateTime),
		LastModifyTime:         epochSeconds(t.LastModifyTime),
		MaximumMessageSize:     t.MaximumMessageSize,
		MessageRetentionPeriod: t.MessageRetentionPeriod,
		MessageCount:           messageCount,
		LoggingEnabled:         formatBool(t.LoggingEnabled),
	}
}

// topicReply is GetTopicAttributes' reply: its root is Topic, as every SDK
// expects, not the docs' TopicAttributes.
type topicReply struct {
	XMLName xml.Name  `xml:"Topic"`
	NS      namespace `xml:"xmlns,attr"`
	*topicMeta
}

// topicList is ListTopic's reply, shaped as queueList.
type topicList struct {
	XMLName    xml.Name     `xml:"Topics"`
	NS         namespace    `xml:"xmlns,attr"`
	Topics     []topicEntry `xml:"Topic"`
	NextMarker string       `xml:",omitempty"`
}

type topicEntry struct {
	TopicURL string
	*topicMeta
}

func (r *request) topicURL(name string) string { return r.url("/topics/" + name) }

// putTopic is CreateTopic, or SetTopicAttributes with ?metaoverride=true.
func (h *Handler) putTopic(ctx context.Context, r *request) (reply, error) {
	override, err := r.flag("metaoverride")
	if err != nil {
		return reply{}, err
	}
	change, err := topicChange(r.body)
	if err != nil {
		return reply{}, err
	}
	if override {
		if _, err := h.cfg.Topics.SetTopicAttributes(ctx, r.topic, change); err != nil {
			return reply{}, err
		}
		return noContent(), nil
	}
	created, err := h.cfg.Topics.CreateTopic(ctx, r.topic, change)
	if err != nil {
		return reply{}, err
	}
	return createdOrExisting(created, r.topicURL(r.topic)), nil
}

func (h *Handler) getTopicAttributes(ctx context.Context, r *request) (reply, error) {
	t, count, err := h.cfg.Topics.GetTopic(ctx, r.topic)
	if err != nil {
		return reply{}, err
	}
	return ok(topicReply{topicMeta: newTopicMeta(t, &count)}), nil
}

// deleteTopic answers 404 TopicNotExist for a topic that does not exist
// (decision Q10).
func (h *Handler) deleteTopic(ctx context.Context, r *request) (reply, error) {
	if err := h.cfg.Topics.DeleteTopic(ctx, r.topic); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

func (h *Handler) listTopics(ctx context.Context, r *request) (reply, error) {
	l, err := r.listing()
	if err != nil {
		return reply{}, err
	}
	found, next, err := h.cfg.Topics.ListTopics(ctx, l.prefix, l.marker, l.limit)
	if err != nil {
		return reply{}, err
	}
	list := topicList{Topics: make([]topicEntry, len(found)), NextMarker: next}
	for i, t := range found {
		list.Topics[i].TopicURL = r.topicURL(t.Name)
		if l.withMeta {
			list.Topics[i].topicMeta = newTopicMeta(t, nil)
		}
	}
	return ok(list), nil
}

// publicationBody is PublishMessage's body. MessageAttributes' children
// (DirectMail, DirectSMS, Java's DM and DYSMS) hold JSON text.
type publicationBody struct {
	XMLName           xml.Name `xml:"Message"`
	MessageBody       *string
	MessageTag        string
	MessageAttributes *struct {
		Children []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
}

func (h *Handler) publishMessage(ctx context.Context, r *request) (reply, error) {
	var b publicationBody
	if err := decodeXML(r.body, &b); err != nil {
		return reply{}, err
	}
	if b.MessageBody == nil {
		return reply{}, errInvalidArgument("The message has no MessageBody.")
	}
	p := topics.Publication{Body: *b.MessageBody, Tag: b.MessageTag}
	if b.MessageAttributes != nil {
		p.Attributes = map[string]string{}
		for _, child := range b.MessageAttributes.Children {
			p.Attributes[child.XMLName.Local] = child.Text
		}
	}
	published, err := h.cfg.Topics.Publish(ctx, r.topic, p)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: sentReply{sentMessage: sentMessage{MessageId: published.MessageID, MessageBodyMD5: published.BodyMD5}}}, nil
}
