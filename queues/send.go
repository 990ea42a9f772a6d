package queues

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Outgoing is a message to send.
type Outgoing struct {
	Body string
	// Priority is 1 (served first) to 16; 0 means the default, 8.
	Priority int
	// DelaySeconds is how long the message stays invisible after it is
	// sent, 0 to 604800; nil means the queue's DelaySeconds.
	DelaySeconds *int
}

// Sent is what SendMessage returns.
type Sent struct{ MessageID, BodyMD5 string }

const defaultPriority = 8

// SendMessage sends a message and returns once it is durably stored. It
// reads the queue's record (one DescribeWorkflowExecution) and starts the
// message's workflow; when the fnflow worker uses this Store's client, as in
// `fnflow dev`, an undelayed message's first workflow task runs on it at
// once instead of passing through matching.
func (s *Store) SendMessage(ctx context.Context, queue string, m Outgoing) (Sent, error) {
	q, err := s.queue(ctx, queue)
	if err != nil {
		return Sent{}, fmt.Errorf("sending to queue %s: %w", queue, err)
	}
	if m.Priority == 0 {
		m.Priority = defaultPriority
	}
	if m.Priority < 1 || m.Priority > 16 {
		return Sent{}, invalidArgument("Priority must be between 1 and 16, not %d", m.Priority)
	}
	delay := q.DelaySeconds
	if m.DelaySeconds != nil {
		delay = *m.DelaySeconds
	}
	if delay < 0 || delay > 604800 {
		return Sent{}, invalidArgument("DelaySeconds must be between 0 and 604800, not %d", delay)
	}
	if len(m.Body) > q.MaximumMessageSize {
		return Sent{}, invalidArgument("the message body has %d bytes, more than the queue's MaximumMessageSize of %d", len(m.Body), q.MaximumMessageSize)
	}
	sum := md5.Sum([]byte(m.Body))
	msg := message{
		Queue:             queue,
		ID:                newMessageID(),
		Body:              m.Body,
		BodyMD5:           strings.ToUpper(hex.EncodeToString(sum[:])),
		Priority:          m.Priority,
		EnqueueTime:       time.Now().UnixMilli(),
		VisibilityTimeout: q.VisibilityTimeout,
	}
	if err := s.startMessage(ctx, msg, time.Duration(delay)*time.Second, s.retention(q)); err != nil {
		return Sent{}, fmt.Errorf("sending to queue %s: %w", queue, err)
	}
	return Sent{MessageID: msg.ID, BodyMD5: msg.BodyMD5}, nil
}

// startMessage starts a message's workflow: once StartWorkflow returns, the
// message is stored.
func (s *Store) startMessage(ctx context.Context, m message, delay, retention time.Duration) error {
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       messageWorkflowID(m.Queue, m.ID),
		TaskQueue:                s.cfg.TaskQueue,
		StartDelay:               delay,
		WorkflowExecutionTimeout: retention,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		Memo:                     map[string]any{priorityMemo: m.Priority},
		// Where a worker of TaskQueue shares this client (fnflow dev), the
		// server hands it the first workflow task in the start's response,
		// which saves a trip through matching on the way to the receiver.
		// Temporal refuses it for a delayed start, so it asks only without.
		EnableEagerStart: delay == 0,
	}, MessageWorkflow, m)
	return err
}

// newMessageID returns 32 random uppercase hex digits, as MNS's IDs look.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
