package queues

import (
	"context"
	"fmt"
	"strings"
	"time"

	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/payload"
)

// Message is a received or peeked message.
type Message struct {
	MessageID, ReceiptHandle, Body, BodyMD5 string
	// NextVisibleTime is when the message becomes visible again unless it
	// is deleted or changed first. FirstDequeueTime is when it was first
	// received (see ReceiveMessages); zero when never.
	EnqueueTime, NextVisibleTime, FirstDequeueTime time.Time
	DequeueCount, Priority                         int
}

const (
	// maxBatch is MNS's limit on messages per receive.
	maxBatch = 16
	// pollTimeout is the deadline of every poll RPC, which the receive
	// cancels once its own wait is over: Temporal's frontend refuses polls
	// with deadlines under 2 s and warns under 10 s.
	pollTimeout = 60 * time.Second
	// noWaitGrace is how long a receive with no wait polls: long enough
	// for Temporal to hand over a message that is visible, short enough to
	// answer "no message" at once.
	noWaitGrace = 150 * time.Millisecond
	// batchGrace is how long a batch receive waits for each further message
	// once it has one.
	batchGrace = 30 * time.Millisecond
	// pollTailRoom is how long before a poll's deadline Temporal's matching
	// service ends its wait, answering empty (its returnEmptyTaskTimeBudget),
	// so that a task matched at the last moment still reaches the poller.
	pollTailRoom = time.Second
	// endedByServer is the shortest wait a poll leaves Temporal to end: a
	// poll RPC with a deadline under 10 s makes Temporal's frontend log a
	// warning (under 2 s it refuses it).
	endedByServer = 10*time.Second - pollTailRoom
)

// ReceiveMessages waits up to wait (wait < 0: the queue's
// PollingWaitSeconds) for a message and returns it with up to count-1 more
// that are visible right after it; no message is an empty slice and no
// error. A wait of 0 still gives Temporal 150 ms to hand over a visible
// message.
//
// Each message is invisible until its NextVisibleTime (the queue's
// VisibilityTimeout when it was sent) unless deleted or changed first.
// FirstDequeueTime is exact for the first receive and carried over a
// ChangeVisibility; for a message received again because a visibility
// timeout ran out, it is the time it first became visible, which is its
// first receive when a receiver was waiting.
//
// The queue's attributes are read at most once every 2 s per Store.
func (s *Store) ReceiveMessages(ctx context.Context, queue string, count int, wait time.Duration) ([]Message, error) {
	if count < 1 || count > maxBatch {
		return nil, invalidArgument("the number of messages to receive must be between 1 and %d, not %d", maxBatch, count)
	}
	q, err := s.recentQueue(ctx, queue)
	if err != nil {
		return nil, fmt.Errorf("receiving from queue %s: %w", queue, err)
	}
	if wait < 0 {
		wait = time.Duration(q.PollingWaitSeconds) * time.Second
	}
	msgs := []Message{}
	for budget := max(wait, noWaitGrace); len(msgs) < count; budget = batchGrace {
		m, ok, err := s.receiveOne(ctx, queue, budget)
		if err != nil && len(msgs) > 0 {
			break // the messages received stand; the next receive meets the error
		}
		if err != nil {
			return nil, fmt.Errorf("receiving from queue %s: %w", queue, err)
		}
		if !ok {
			break
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// receiveOne receives a message if one comes within budget.
func (s *Store) receiveOne(ctx context.Context, queue string, budget time.Duration) (Message, bool, error) {
	task, err := s.poll(ctx, queue, budget)
	if err != nil || task == nil {
		return Message{}, false, err
	}
	m, err := s.received(queue, task)
	return m, err == nil, err
}

// poll returns the next delivery task of the queue, waiting up to budget,
// or nil when none came.
//
// Canceling a poll can lose a message: Temporal may have matched a task to
// the poll and recorded it started, and the answer goes nowhere; the
// message is visible again only when its visibility timeout runs out. So a
// wait of endedByServer or more (a consumer's long poll of an idle queue)
// is ended by Temporal itself, which answers empty pollTailRoom before the
// RPC's deadline and hands over what it matched until then. A shorter wait
// (wait 0's grace, a batch's further messages, waits of a few seconds),
// and a caller that gives up, cancel the RPC.
func (s *Store) poll(ctx context.Context, queue string, budget time.Duration) (*workflowservice.PollActivityTaskQueueResponse, error) {
	deadline := time.Now().Add(budget)
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return nil, nil
		}
		task, err := s.pollOnce(ctx, queue, left)
		if err != nil || len(task.GetTaskToken()) > 0 {
			return task, err
		}
		if left >= endedByServer && time.Until(deadline) < noWaitGrace {
			// Temporal ended the wait at its end: the little left of it
			// is the RPC's latency, not worth a canceled poll.
			return nil, nil
		}
		// The server's long poll ended empty before our budget did.
	}
}

// pollOnce is one poll RPC for up to budget: one Temporal ends, if budget
// allows, else one canceled after budget.
func (s *Store) pollOnce(ctx context.Context, queue string, budget time.Duration) (*workflowservice.PollActivityTaskQueueResponse, error) {
	cancelAfterBudget, timeout := budget < endedByServer, pollTimeout
	if !cancelAfterBudget {
		timeout = min(budget+pollTailRoom, pollTimeout)
	}
	pollCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	stopWithCaller := context.AfterFunc(ctx, cancel)
	defer stopWithCaller()
	if cancelAfterBudget {
		timer := time.AfterFunc(budget, cancel)
		defer timer.Stop()
	}
	task, err := s.client.WorkflowService().PollActivityTaskQueue(pollCtx, &workflowservice.PollActivityTaskQueueRequest{
		Namespace: s.cfg.Namespace,
		TaskQueue: &taskqueuepb.TaskQueue{Name: TaskQueue(queue)},
		Identity:  s.cfg.Identity,
	})
	switch {
	case err == nil:
		// A task that came back as the wait ended is the receiver's:
		// dropped, it would be lost until its visibility timeout.
		return task, nil
	case pollCtx.Err() != nil:
		return nil, nil // our wait, or the caller's, is over
	default:
		return nil, fmt.Errorf("polling for a message: %w", err)
	}
}

// received turns a delivery task into the message it delivers.
func (s *Store) received(queue string, task *workflowservice.PollActivityTaskQueueResponse) (Message, error) {
	var d Delivery
	if err := payload.Converter.FromPayloads(task.GetInput(), &d); err != nil {
		return Message{}, fmt.Errorf("decoding delivery of %s: %w", task.GetWorkflowExecution().GetWorkflowId(), err)
	}
	started := task.GetStartedTime().AsTime().Truncate(time.Millisecond)
	dequeues := d.PreviousDequeueCount + int(task.GetAttempt())
	firstDequeue := d.FirstDequeueTime
	if firstDequeue == 0 {
		firstDequeue = task.GetScheduledTime().AsTime().UnixMilli()
		if dequeues == 1 {
			firstDequeue = started.UnixMilli()
		}
	}
	handle := receiptHandle{
		form:             receiveHandle,
		queue:            queue,
		messageID:        d.MessageId,
		dequeueCount:     dequeues,
		firstDequeueTime: firstDequeue,
		taskToken:        task.GetTaskToken(),
	}
	if group, ok := strings.CutPrefix(task.GetWorkflowExecution().GetWorkflowId(), groupWorkflowID(queue, "")); ok {
		handle.form, handle.group = groupReceiveHandle, group
	}
	return Message{
		MessageID:        d.MessageId,
		ReceiptHandle:    handle.sign(s.cfg.Handles),
		Body:             d.MessageBody,
		BodyMD5:          d.MessageBodyMD5,
		EnqueueTime:      time.UnixMilli(d.EnqueueTime),
		NextVisibleTime:  started.Add(task.GetStartToCloseTimeout().AsDuration()),
		FirstDequeueTime: time.UnixMilli(firstDequeue),
		DequeueCount:     dequeues,
		Priority:         d.Priority,
	}, nil
}
