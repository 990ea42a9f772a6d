package mns

import (
	"bytes"
	"context"
	"encoding/xml"

	"github.com/fnflow/fnflow/queues"
)

// queueBody is CreateQueue's and SetQueueAttributes' body; every element is
// optional.
type queueBody struct {
	XMLName                                                                                                         xml.Name `xml:"Queue"`
	DelaySeconds, MaximumMessageSize, MessageRetentionPeriod, VisibilityTimeout, PollingWaitSeconds, LoggingEnabled *string
}

// queueChange reads a queue body; an empty body changes nothing.
func queueChange(body []byte) (queues.AttributeChange, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return queues.AttributeChange{}, nil
	}
	var b queueBody
	if err := decodeXML(body, &b); err != nil {
		return queues.AttributeChange{}, err
	}
	var c queues.AttributeChange
	var err error
	for _, f := range []struct {
		name string
		text *string
		to   **int
	}{
		{"DelaySeconds", b.DelaySeconds, &c.DelaySeconds},
		{"MaximumMessageSize", b.MaximumMessageSize, &c.MaximumMessageSize},
		{"MessageRetentionPeriod", b.MessageRetentionPeriod, &c.MessageRetentionPeriod},
		{"VisibilityTimeout", b.VisibilityTimeout, &c.VisibilityTimeout},
		{"PollingWaitSeconds", b.PollingWaitSeconds, &c.PollingWaitSeconds},
	} {
		if *f.to, err = intElement(f.name, f.text); err != nil {
			return queues.AttributeChange{}, err
		}
	}
	if c.LoggingEnabled, err = boolElement("LoggingEnabled", b.LoggingEnabled); err != nil {
		return queues.AttributeChange{}, err
	}
	return c, nil
}

// queueMeta is a queue's attributes as GetQueueAttributes and ListQueue
// with meta show them: Python requires all twelve. The counters are
// deprecated by MNS but still sent.
type queueMeta struct {
	QueueName                                                                                       string
	CreateTime, LastModifyTime                                                                      int64
	DelaySeconds, MaximumMessageSize, MessageRetentionPeriod, VisibilityTimeout, PollingWaitSeconds int
	ActiveMessages, InactiveMessages, DelayMessages                                                 int64
	LoggingEnabled                                                                                  string
}

func newQueueMeta(q queues.Queue, n queues.Counters) *queueMeta {
	return &queueMeta{
		QueueName:              q.Name,
		CreateTime:             epochSeconds(q.CreateTime),
		LastModifyTime:         epochSeconds(q.LastModifyTime),
		DelaySeconds:           q.DelaySeconds,
		MaximumMessageSize:     q.MaximumMessageSize,
		MessageRetentionPeriod: q.MessageRetentionPeriod,
		VisibilityTimeout:      q.VisibilityTimeout,
		PollingWaitSeconds:     q.PollingWaitSeconds,
		ActiveMessages:         n.ActiveMessages,
		InactiveMessages:       n.InactiveMessages,
		DelayMessages:          n.DelayMessages,
		LoggingEnabled:         formatBool(q.LoggingEnabled),
	}
}

type queueReply struct {
	XMLName xml.Name  `xml:"Queue"`
	NS      namespace `xml:"xmlns,attr"`
	*queueMeta
}

// queueList is ListQueue's reply. NextMarker is there only when more
// remain, and an entry has no empty children: Python strips each one's text.
type queueList struct {
	XMLName    xml.Name     `xml:"Queues"`
	NS         namespace    `xml:"xmlns,attr"`
	Queues     []queueEntry `xml:"Queue"`
	NextMarker string       `xml:",omitempty"`
}

// queueEntry is a listed queue: its URL, and its attributes with meta.
type queueEntry struct {
	QueueURL string
	*queueMeta
}

func (r *request) queueURL(name string) string { return r.url("/queues/" + name) }

// putQueue is CreateQueue, or SetQueueAttributes with ?metaoverride=true.
func (h *Handler) putQueue(ctx context.Context, r *request) (reply, error) {
	override, err := r.flag("metaoverride")
	if err != nil {
		return reply{}, err
	}
	change, err := queueChange(r.body)
	if err != nil {
		return reply{}, err
	}
	if override {
		if _, err := h.cfg.Queues.SetQueueAttributes(ctx, r.queue, change); err != nil {
			return reply{}, err
		}
		return noContent(), nil
	}
	created, err := h.cfg.Queues.CreateQueue(ctx, r.queue, change)
	if err != nil {
		return reply{}, err
	}
	return createdOrExisting(created, r.queueURL(r.queue)), nil
}

func (h *Handler) getQueueAttributes(ctx context.Context, r *request) (reply, error) {
	q, counters, err := h.cfg.Queues.GetQueue(ctx, r.queue)
	if err != nil {
		return reply{}, err
	}
	return ok(queueReply{queueMeta: newQueueMeta(q, counters)}), nil
}

// deleteQueue answers 404 QueueNotExist for a queue that does not exist
// (decision Q10).
func (h *Handler) deleteQueue(ctx context.Context, r *request) (reply, error) {
	if err := h.cfg.Queues.DeleteQueue(ctx, r.queue); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

// listQueues is ListQueue. Listed queues carry no counters: they are
// deprecated, and counting each queue's messages would cost a visibility
// query per queue; they are 0 as MNS says they will become.
func (h *Handler) listQueues(ctx context.Context, r *request) (reply, error) {
	l, err := r.listing()
	if err != nil {
		return reply{}, err
	}
	found, next, err := h.cfg.Queues.ListQueues(ctx, l.prefix, l.marker, l.limit)
	if err != nil {
		return reply{}, err
	}
	list := queueList{Queues: make([]queueEntry, len(found)), NextMarker: next}
	for i, q := range found {
		list.Queues[i].QueueURL = r.queueURL(q.Name)
		if l.withMeta {
			list.Queues[i].queueMeta = newQueueMeta(q, queues.Counters{})
		}
	}
	return ok(list), nil
}
