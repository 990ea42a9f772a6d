package queues

import (
	"encoding/binary"
	"errors"

	"github.com/fnflow/fnflow/internal/token"
)

// A receipt handle is a token.ReceiptHandle token (signed, URL-safe) over a
// small binary. It has one of two forms:
//
//   - a receive's handle holds the Temporal task token of the delivery
//     attempt that received the message: deleting completes that attempt,
//     changing the visibility fails it;
//   - a hold's handle, given by ChangeVisibility, names the message
//     workflow and its hold: deleting and changing are Updates of the
//     workflow, which it refuses once the hold is over.
//
// Both begin with the form, the queue (so that one queue's handle is refused
// by another), the message ID and the dequeue count. A message of a group
// has the same two forms with the group's ID after the dequeue count: its
// hold's updates go to the group's workflow. The form bytes are versions: a
// new layout takes a new byte, so handles given out by an older gateway stay
// readable.
const (
	receiveHandle      byte = 1
	holdHandle         byte = 2
	groupReceiveHandle byte = 3
	groupHoldHandle    byte = 4
)

type receiptHandle struct {
	form         byte
	queue        string
	messageID    string
	dequeueCount int
	// group is the ID of the message's group (groupReceiveHandle and
	// groupHoldHandle); "" for a message of its own.
	group string
	// receiveHandle and groupReceiveHandle only.
	firstDequeueTime int64
	taskToken        []byte
	// holdHandle and groupHoldHandle only.
	moves int
}

// receiving says whether the handle is a receive's, whether or not its
// message is in a group.
func (h receiptHandle) receiving() bool {
	return h.form == receiveHandle || h.form == groupReceiveHandle
}

// workflowID is the ID of the workflow that holds the handle's message.
func (h receiptHandle) workflowID() string {
	if h.group != "" {
		return groupWorkflowID(h.queue, h.group)
	}
	return messageWorkflowID(h.queue, h.messageID)
}

// holding returns the handle of a hold of h's message, in h's group.
func (h receiptHandle) holding(moves int) receiptHandle {
	next := receiptHandle{form: holdHandle, queue: h.queue, messageID: h.messageID, dequeueCount: h.dequeueCount, group: h.group, moves: moves}
	if h.group != "" {
		next.form = groupHoldHandle
	}
	return next
}

func (h receiptHandle) sign(s *token.Signer) string {
	b := []byte{h.form}
	b = appendString(b, h.queue)
	b = appendString(b, h.messageID)
	b = binary.AppendUvarint(b, uint64(h.dequeueCount))
	if h.form == groupReceiveHandle || h.form == groupHoldHandle {
		b = appendString(b, h.group)
	}
	switch h.form {
	case receiveHandle, groupReceiveHandle:
		b = binary.AppendUvarint(b, uint64(h.firstDequeueTime))
		b = append(b, h.taskToken...)
	case holdHandle, groupHoldHandle:
		b = binary.AppendUvarint(b, uint64(h.moves))
	}
	return s.SignFor(token.ReceiptHandle, b)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errTruncated = errors.New("truncated")

// openHandle checks a handle's signature and reads it.
func openHandle(s *token.Signer, text string) (receiptHandle, error) {
	b, err := s.OpenFor(token.ReceiptHandle, text)
	if err != nil {
		return receiptHandle{}, err
	}
	r := reader{b: b[1:]}
	h := receiptHandle{form: b[0]}
	h.queue = r.string()
	h.messageID = r.string()
	h.dequeueCount = int(r.uvarint())
	if h.form == groupReceiveHandle || h.form == groupHoldHandle {
		if h.group = r.string(); h.group == "" && r.err == nil {
			r.err = errors.New("a group's handle without its group")
		}
	}
	switch h.form {
	case receiveHandle, groupReceiveHandle:
		h.firstDequeueTime = int64(r.uvarint())
		h.taskToken = r.rest()
	case holdHandle, groupHoldHandle:
		h.moves = int(r.uvarint())
		if len(r.rest()) != 0 {
			r.err = errors.New("trailing bytes")
		}
	default:
		return receiptHandle{}, errors.New("unknown receipt handle form")
	}
	return h, r.err
}

// reader reads what receiptHandle.sign wrote, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errTruncated, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errTruncated, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) rest() []byte {
	rest := r.b
	r.b = nil
	return rest
}
