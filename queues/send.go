package queues

import (
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/searchattrs"
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
//
// With Config.GroupSends, a message sent to a busy queue, one being sent to
// by several producers, is gathered with the others sent meanwhile and sent
// with them as SendMessages does (up to 16 at a time: one read of the
// queue's record, the undelayed ones in one group workflow): the rate of a
// queue under load is bound by its workflows. A lone send is not made to
// wait (sendGatherer). A message that will be delayed is sent alone.
func (s *Store) SendMessage(ctx context.Context, queue string, m Outgoing) (Sent, error) {
	if s.gathers(ctx, queue, m) {
		return s.groups.send(ctx, queue, m)
	}
	sent, errs := s.SendMessages(ctx, queue, []Outgoing{m})
	return sent[0], errs[0]
}

// gathers tells whether SendMessage gathers m with other sends: with
// Config.GroupSends, when m will not be delayed. A delayed message has a
// workflow of its own, and a batch starts those one after another, so
// gathering would only make them wait for each other. Whether the queue
// delays what does not say is read from the queue's record as receives
// cache it (recentFor): it only routes the send, which reads the record
// anew either way. A queue that cannot be read is left to that read to
// report.
func (s *Store) gathers(ctx context.Context, queue string, m Outgoing) bool {
	if !s.cfg.GroupSends {
		return false
	}
	if m.DelaySeconds != nil {
		return *m.DelaySeconds == 0
	}
	q, err := s.recentQueue(ctx, queue)
	return err != nil || q.DelaySeconds == 0
}

// SendMessages sends a batch of up to 16 messages, in order. Each message
// is checked on its own: a bad one fails alone, in errs. With
// Config.GroupSends the undelayed ones are stored together in one group
// workflow, so that a failure to store it fails each of them; the others are
// stored one by one, and a failure stops the batch, failing the rest.
func (s *Store) SendMessages(ctx context.Context, queue string, ms []Outgoing) (sent []Sent, errs []error) {
	sent, errs = make([]Sent, len(ms)), make([]error, len(ms))
	fail := func(i int, err error) { errs[i] = fmt.Errorf("sending to queue %s: %w", queue, err) }
	q, err := s.queue(ctx, queue)
	if err != nil {
		for i := range ms {
			fail(i, err)
		}
		return sent, errs
	}
	var grouped []message
	var groupedAt []int
	var stopped error
	for i, m := range ms {
		msg, delay, err := s.prepare(queue, q, m)
		switch {
		case err != nil:
			errs[i] = err
		case delay == 0 && s.cfg.GroupSends:
			grouped, groupedAt = append(grouped, msg), append(groupedAt, i)
		case stopped != nil:
			fail(i, stopped)
		default:
			if stopped = s.startMessage(ctx, msg, delay, s.retention(q)); stopped != nil {
				fail(i, stopped)
			} else {
				sent[i] = Sent{MessageID: msg.ID, BodyMD5: msg.BodyMD5}
			}
		}
	}
	if len(grouped) == 0 {
		return sent, errs
	}
	err = s.store(ctx, queue, grouped, s.retention(q))
	for j, i := range groupedAt {
		if err != nil {
			fail(i, err)
		} else {
			sent[i] = Sent{MessageID: grouped[j].ID, BodyMD5: grouped[j].BodyMD5}
		}
	}
	return sent, errs
}

// prepare checks a message for queue q and makes it ready to store, with
// its delay.
func (s *Store) prepare(queue string, q Queue, m Outgoing) (message, time.Duration, error) {
	if m.Priority == 0 {
		m.Priority = defaultPriority
	}
	if m.Priority < 1 || m.Priority > 16 {
		return message{}, 0, invalidArgument("Priority must be between 1 and 16, not %d", m.Priority)
	}
	delay := q.DelaySeconds
	if m.DelaySeconds != nil {
		delay = *m.DelaySeconds
	}
	if delay < 0 || delay > 604800 {
		return message{}, 0, invalidArgument("DelaySeconds must be between 0 and 604800, not %d", delay)
	}
	if len(m.Body) > q.MaximumMessageSize {
		return message{}, 0, invalidArgument("the message body has %d bytes, more than the queue's MaximumMessageSize of %d", len(m.Body), q.MaximumMessageSize)
	}
	sum := md5.Sum([]byte(m.Body))
	return message{
		Queue:             queue,
		ID:                newMessageID(),
		Body:              m.Body,
		BodyMD5:           strings.ToUpper(hex.EncodeToString(sum[:])),
		Priority:          m.Priority,
		EnqueueTime:       time.Now().UnixMilli(),
		VisibilityTimeout: q.VisibilityTimeout,
	}, time.Duration(delay) * time.Second, nil
}

// store stores undelayed messages: one in a message workflow, several in a
// group workflow.
func (s *Store) store(ctx context.Context, queue string, msgs []message, retention time.Duration) error {
	if len(msgs) == 1 {
		return s.startMessage(ctx, msgs[0], 0, retention)
	}
	return s.startGroup(ctx, queue, msgs, retention)
}

// startMessage starts a message's workflow: once StartWorkflow returns, the
// message is stored.
func (s *Store) startMessage(ctx context.Context, m message, delay, retention time.Duration) error {
	id := messageWorkflowID(m.Queue, m.ID)
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
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
	if err == nil {
		s.remember(m.Queue, id, m.Priority, delay)
	}
	return err
}

// startGroup starts a group's workflow: once StartWorkflow returns, its
// messages are stored.
func (s *Store) startGroup(ctx context.Context, queue string, msgs []message, retention time.Duration) error {
	first := slices.MinFunc(msgs, func(a, b message) int { return cmp.Compare(a.Priority, b.Priority) })
	id := groupWorkflowID(queue, newMessageID())
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowExecutionTimeout: retention,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		Memo:                     map[string]any{priorityMemo: first.Priority},
		TypedSearchAttributes:    temporal.NewSearchAttributes(searchattrs.QueueMessages.ValueSet(int64(len(msgs)))),
		EnableEagerStart:         true,
	}, GroupWorkflow, messageGroup{Messages: msgs})
	if err == nil {
		s.remember(queue, id, first.Priority, 0)
	}
	return err
}

// remember keeps a started message or group workflow for this Store's
// peeks (recentSends).
func (s *Store) remember(queue, workflowID string, priority int, delay time.Duration) {
	now := time.Now()
	s.sent.add(queue, sentWorkflow{workflowID: workflowID, priority: priority, startTime: now, visibleAt: now.Add(delay)})
}

// newMessageID returns 32 random uppercase hex digits, as MNS's IDs look.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
