package mns

import (
	"context"
	"encoding/xml"
	"net/http"
	"time"

	"github.com/fnflow/fnflow/queues"
)

// Message limits of reference mns-api.md §3 and §6.
const (
	maxBatch        = 16
	maxBatchBytes   = 64 << 10
	maxDelaySeconds = 604800
	maxPriority     = 16
	maxWaitSeconds  = 30
	maxVisibility   = 43200
)

// messageBody is one message of SendMessage or BatchSendMessage.
type messageBody struct {
	XMLName                             xml.Name `xml:"Message"`
	MessageBody, DelaySeconds, Priority *string
}

// outgoing checks a message and reads it for the queue. Go's SDK always
// sends Priority and DelaySeconds, 0 when its caller set none: Priority 0
// is the default 8 and DelaySeconds 0 no delay (decision Q4); an absent
// DelaySeconds is the queue's.
func (m messageBody) outgoing() (queues.Outgoing, error) {
	if m.MessageBody == nil {
		return queues.Outgoing{}, errInvalidArgument("The message has no MessageBody.")
	}
	out := queues.Outgoing{Body: *m.MessageBody}
	priority, err := intElement("Priority", m.Priority)
	if err != nil {
		return queues.Outgoing{}, err
	}
	if priority != nil {
		if *priority < 0 || *priority > maxPriority {
			return queues.Outgoing{}, errInvalidArgument("The Priority %d is out of range: it must be from 1 to %d.", *priority, maxPriority)
		}
		out.Priority = *priority
	}
	if out.DelaySeconds, err = intElement("DelaySeconds", m.DelaySeconds); err != nil {
		return queues.Outgoing{}, err
	}
	if d := out.DelaySeconds; d != nil && (*d < 0 || *d > maxDelaySeconds) {
		return queues.Outgoing{}, errInvalidArgument("The DelaySeconds %d is out of range: it must be from 0 to %d.", *d, maxDelaySeconds)
	}
	return out, nil
}

// sentMessage is SendMessage's and PublishMessage's reply, and an entry of
// BatchSendMessage's: either MessageId and MessageBodyMD5, or (in a batch
// that partly failed) ErrorCode and ErrorMessage, and nothing else.
type sentMessage struct {
	ErrorCode      string `xml:",omitempty"`
	ErrorMessage   string `xml:",omitempty"`
	MessageId      string `xml:",omitempty"`
	MessageBodyMD5 string `xml:",omitempty"`
}

type sentReply struct {
	XMLName xml.Name  `xml:"Message"`
	NS      namespace `xml:"xmlns,attr"`
	sentMessage
}

// sendMessages is SendMessage, or BatchSendMessage for a <Messages> body.
func (h *Handler) sendMessages(ctx context.Context, r *request) (reply, error) {
	root, err := rootName(r.body)
	if err != nil {
		return reply{}, err
	}
	if root == "Messages" {
		return h.batchSendMessage(ctx, r)
	}
	var m messageBody
	if err := decodeXML(r.body, &m); err != nil {
		return reply{}, err
	}
	out, err := m.outgoing()
	if err != nil {
		return reply{}, err
	}
	sent, err := h.cfg.Queues.SendMessage(ctx, r.queue, out)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: sentReply{sentMessage: sentMessage{MessageId: sent.MessageID, MessageBodyMD5: sent.BodyMD5}}}, nil
}

// messageFields is a received or peeked message. A peeked one has no
// ReceiptHandle and no NextVisibleTime; a received one always has both.
type messageFields struct {
	MessageId        string
	ReceiptHandle    string `xml:",omitempty"`
	MessageBody      string
	MessageBodyMD5   string
	EnqueueTime      int64
	NextVisibleTime  int64 `xml:",omitempty"`
	FirstDequeueTime int64
	DequeueCount     int
	Priority         int
}

func newMessageFields(m queues.Message) messageFields {
	return messageFields{
		MessageId:        m.MessageID,
		ReceiptHandle:    m.ReceiptHandle,
		MessageBody:      m.Body,
		MessageBodyMD5:   m.BodyMD5,
		EnqueueTime:      epochMillis(m.EnqueueTime),
		NextVisibleTime:  epochMillis(m.NextVisibleTime),
		FirstDequeueTime: epochMillis(m.FirstDequeueTime),
		DequeueCount:     m.DequeueCount,
		Priority:         m.Priority,
	}
}

type messageReply struct {
	XMLName xml.Name  `xml:"Message"`
	NS      namespace `xml:"xmlns,attr"`
	messageFields
}

type messagesReply struct {
	XMLName  xml.Name        `xml:"Messages"`
	NS       namespace       `xml:"xmlns,attr"`
	Messages []messageFields `xml:"Message"`
}

// receiveMessages is ReceiveMessage, PeekMessage (?peekonly=true) and
// their batch forms (?numOfMessages=N, answered with <Messages>). No
// message is 404 MessageNotExist, as MNS answers.
func (h *Handler) receiveMessages(ctx context.Context, r *request) (reply, error) {
	peek, err := r.flag("peekonly")
	if err != nil {
		return reply{}, err
	}
	count, batch, err := r.intParam("numOfMessages", 1, maxBatch)
	if err != nil {
		return reply{}, err
	}
	if !batch {
		count = 1
	}
	var found []queues.Message
	if peek {
		found, err = h.cfg.Queues.PeekMessages(ctx, r.queue, count)
	} else {
		found, err = h.receive(ctx, r, count)
	}
	if err != nil {
		return reply{}, err
	}
	if len(found) == 0 {
		return reply{}, newError(http.StatusNotFound, "MessageNotExist", "The queue has no message to receive.")
	}
	if !batch {
		return ok(messageReply{messageFields: newMessageFields(found[0])}), nil
	}
	list := messagesReply{Messages: make([]messageFields, len(found))}
	for i, m := range found {
		list.Messages[i] = newMessageFields(m)
	}
	return ok(list), nil
}

// receive long-polls for up to count messages, for ?waitseconds or else the
// queue's PollingWaitSeconds.
func (h *Handler) receive(ctx context.Context, r *request, count int) ([]queues.Message, error) {
	seconds, given, err := r.intParam("waitseconds", 0, maxWaitSeconds)
	if err != nil {
		return nil, err
	}
	wait := time.Duration(-1)
	if given {
		wait = time.Duration(seconds) * time.Second
	}
	return h.cfg.Queues.ReceiveMessages(ctx, r.queue, count, wait)
}

// deleteMessages is DeleteMessage (?ReceiptHandle=H), or BatchDeleteMessage
// for a <ReceiptHandles> body.
func (h *Handler) deleteMessages(ctx context.Context, r *request) (reply, error) {
	handle, given := r.param("ReceiptHandle")
	if !given && len(r.body) > 0 {
		return h.batchDeleteMessage(ctx, r)
	}
	if handle == "" {
		return reply{}, errMissingReceiptHandle()
	}
	if err := h.cfg.Queues.DeleteMessage(ctx, r.queue, handle); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

func errMissingReceiptHandle() *apiError {
	return newError(http.StatusBadRequest, "MissingReceiptHandle", "The request must give a ReceiptHandle.")
}

type visibilityReply struct {
	XMLName         xml.Name  `xml:"ChangeVisibility"`
	NS              namespace `xml:"xmlns,attr"`
	ReceiptHandle   string
	NextVisibleTime int64
}

// changeMessageVisibility makes a received message visible again after
// visibilityTimeout seconds, under a new receipt handle.
func (h *Handler) changeMessageVisibility(ctx context.Context, r *request) (reply, error) {
	handle, _ := r.param("ReceiptHandle")
	if handle == "" {
		return reply{}, errMissingReceiptHandle()
	}
	seconds, given, err := r.intParam("VisibilityTimeout", 1, maxVisibility)
	if err != nil {
		return reply{}, err
	}
	if !given {
		return reply{}, newError(http.StatusBadRequest, "MissingVisibilityTimeout", "The request must give a VisibilityTimeout.")
	}
	newHandle, next, err := h.cfg.Queues.ChangeVisibility(ctx, r.queue, handle, time.Duration(seconds)*time.Second)
	if err != nil {
		return reply{}, err
	}
	return ok(visibilityReply{ReceiptHandle: newHandle, NextVisibleTime: epochMillis(next)}), nil
}
