package mns

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/fnflow/fnflow/queues"
)

// Batches run their items one by one, in order (a batch of messages is
// enqueued in the order sent, by queues.Store.SendMessages). An item that fails for a reason of its own
// (its handle, its body) fails alone; a failure of the whole queue or of
// the service (the queue is missing, Temporal is unavailable) stops the
// batch. On the first item it is the request's plain error, so a client's
// retry of the whole batch is safe; later, it is the error of every item
// left, and the reply says which items were done (decision Q2): a 5xx there
// would make Java's SDK resend the items already sent.

// itemErrorCodes are the codes of the store's failures that belong to one
// item: its handle is stale or not valid, its body too large for the queue.
var itemErrorCodes = []string{"MessageNotExist", "ReceiptHandleError", "InvalidArgument"}

// runBatch runs do for items 0..n-1 and returns each one's error, or the
// request's error when the first item failed for the whole batch.
func (h *Handler) runBatch(ctx context.Context, n int, do func(i int) error) ([]*apiError, error) {
	failures := make([]*apiError, n)
	for i := range n {
		err := do(i)
		if err == nil {
			continue
		}
		failure := classify(err)
		if !slices.Contains(itemErrorCodes, failure.code) {
			if i == 0 {
				return nil, err
			}
			h.log.Log(ctx, slogLevel(failure), "MNS batch stopped", "item", i, "code", failure.code, "error", err)
			for j := i; j < n; j++ {
				failures[j] = failure
			}
			break
		}
		failures[i] = failure
	}
	return failures, nil
}

// messagesBody is BatchSendMessage's body.
type messagesBody struct {
	XMLName  xml.Name      `xml:"Messages"`
	Messages []messageBody `xml:"Message"`
}

// sentList is BatchSendMessage's reply.
type sentList struct {
	XMLName  xml.Name      `xml:"Messages"`
	NS       namespace     `xml:"xmlns,attr"`
	Messages []sentMessage `xml:"Message"`
}

// batchSendMessage sends up to 16 messages of 64 KB in all. Every message
// is checked before any is sent. 201 when all were sent; 400 with each
// message's outcome otherwise.
func (h *Handler) batchSendMessage(ctx context.Context, r *request) (reply, error) {
	var b messagesBody
	if err := decodeXML(r.body, &b); err != nil {
		return reply{}, err
	}
	outs, err := batchOutgoing(b.Messages)
	if err != nil {
		return reply{}, err
	}
	sent, errs := h.cfg.Queues.SendMessages(ctx, r.queue, outs)
	// As runBatch's: a failure of the whole queue or service with nothing
	// sent is the request's error, so that a retry of the batch is safe.
	if first := errs[0]; first != nil && !slices.Contains(itemErrorCodes, classify(first).code) &&
		!slices.ContainsFunc(errs, func(err error) bool { return err == nil }) {
		return reply{}, first
	}
	entries := make([]sentMessage, len(outs))
	status := http.StatusCreated
	for i, err := range errs {
		if err == nil {
			entries[i] = sentMessage{MessageId: sent[i].MessageID, MessageBodyMD5: sent[i].BodyMD5}
			continue
		}
		failure := classify(err)
		if !slices.Contains(itemErrorCodes, failure.code) {
			h.log.Log(ctx, slogLevel(failure), "MNS batch send failed", "item", i, "code", failure.code, "error", err)
		}
		entries[i] = sentMessage{ErrorCode: failure.code, ErrorMessage: failure.message}
		status = http.StatusBadRequest
	}
	return reply{status: status, body: sentList{Messages: entries}}, nil
}

// batchOutgoing checks a batch's messages and reads them for the queue.
func batchOutgoing(messages []messageBody) ([]queues.Outgoing, error) {
	if len(messages) == 0 || len(messages) > maxBatch {
		return nil, errInvalidArgument("A batch has %d messages; it must have from 1 to %d.", len(messages), maxBatch)
	}
	outs := make([]queues.Outgoing, len(messages))
	size := 0
	for i, m := range messages {
		out, err := m.outgoing()
		if err != nil {
			e := classify(err)
			return nil, newError(e.status, e.code, "Message %d of the batch: %s", i+1, e.message)
		}
		outs[i] = out
		size += len(out.Body)
	}
	if size > maxBatchBytes {
		return nil, errInvalidArgument("The batch's message bodies total %d bytes, more than the %d a batch may carry.", size, maxBatchBytes)
	}
	return outs, nil
}

// receiptHandlesBody is BatchDeleteMessage's body.
type receiptHandlesBody struct {
	XMLName xml.Name `xml:"ReceiptHandles"`
	Handles []string `xml:"ReceiptHandle"`
}

// deleteErrors is BatchDeleteMessage's reply when a handle failed: every
// entry has exactly these three children, as Python and Go require.
type deleteErrors struct {
	XMLName xml.Name      `xml:"Errors"`
	NS      namespace     `xml:"xmlns,attr"`
	Errors  []deleteError `xml:"Error"`
}

type deleteError struct {
	ErrorCode, ErrorMessage, ReceiptHandle string
}

// batchDeleteMessage deletes up to 16 messages by receipt handle. 204 when
// all were deleted; otherwise the failed handles, with 404 when every one
// failed as MessageNotExist and 400 else (decision Q2).
func (h *Handler) batchDeleteMessage(ctx context.Context, r *request) (reply, error) {
	var b receiptHandlesBody
	if err := decodeXML(r.body, &b); err != nil {
		return reply{}, err
	}
	if len(b.Handles) == 0 || len(b.Handles) > maxBatch {
		return reply{}, errInvalidArgument("A batch has %d receipt handles; it must have from 1 to %d.", len(b.Handles), maxBatch)
	}
	failures, err := h.runBatch(ctx, len(b.Handles), func(i int) error {
		return h.cfg.Queues.DeleteMessage(ctx, r.queue, strings.TrimSpace(b.Handles[i]))
	})
	if err != nil {
		return reply{}, err
	}
	var list deleteErrors
	status := http.StatusNotFound
	for i, failure := range failures {
		if failure == nil {
			continue
		}
		list.Errors = append(list.Errors, deleteError{ErrorCode: failure.code, ErrorMessage: failure.message, ReceiptHandle: b.Handles[i]})
		if failure.code != "MessageNotExist" {
			status = http.StatusBadRequest
		}
	}
	if len(list.Errors) == 0 {
		return noContent(), nil
	}
	return reply{status: status, body: list}, nil
}
