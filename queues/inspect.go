package queues

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/searchattrs"
)

// GetQueue returns a queue and its message counters. The counters are
// approximate and come from Temporal's visibility and matching:
// DelayMessages are the running messages whose workflow has not started yet
// (their delay is not over), ActiveMessages the task queue's approximate
// backlog (visible messages that no one received), InactiveMessages the
// other running messages (received and not yet visible again, or held by a
// visibility change). On a SQLite visibility store, queues whose names
// differ in ASCII case only count each other's messages too.
func (s *Store) GetQueue(ctx context.Context, name string) (Queue, Counters, error) {
	q, err := s.queue(ctx, name)
	if err != nil {
		return Queue{}, Counters{}, err
	}
	var c Counters
	total, err := s.countMessages(ctx, name)
	if err != nil {
		return Queue{}, Counters{}, fmt.Errorf("counting the messages of queue %s: %w", name, err)
	}
	// Groups are never delayed.
	if c.DelayMessages, err = s.count(ctx, runningMessages(name, delayedSince(time.Now()), MessageWorkflow)); err != nil {
		return Queue{}, Counters{}, fmt.Errorf("counting the delayed messages of queue %s: %w", name, err)
	}
	tq, err := s.client.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     s.cfg.Namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: TaskQueue(name)},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		ReportStats:   true,
	})
	if err != nil {
		return Queue{}, Counters{}, fmt.Errorf("reading the backlog of queue %s: %w", name, err)
	}
	// The three sources lag differently; clamp so that the counters add up
	// to the total and none is negative.
	visible := max(0, total-c.DelayMessages)
	c.ActiveMessages = min(tq.GetStats().GetApproximateBacklogCount(), visible)
	c.InactiveMessages = visible - c.ActiveMessages
	return q, c, nil
}

// countMessages counts the running messages of a queue: a message workflow
// each, and what each group still holds, which visibility cannot sum: the
// groups holding at least k messages, for k from 1 until none does.
func (s *Store) countMessages(ctx context.Context, queue string) (int64, error) {
	total, err := s.count(ctx, runningMessages(queue, "", MessageWorkflow))
	if err != nil {
		return 0, err
	}
	// A group holds at least one message while it runs, so the first count
	// needs no search attribute: a namespace that never had groups is not
	// asked about one it may not have registered.
	for k := 1; k <= maxGroup; k++ {
		more := ""
		if k > 1 {
			more = fmt.Sprintf("%s >= %d", searchattrs.QueueMessages.GetName(), k)
		}
		n, err := s.count(ctx, runningMessages(queue, more, GroupWorkflow))
		if err != nil || n == 0 {
			return total, err
		}
		total += n
	}
	return total, nil
}

func (s *Store) count(ctx context.Context, query string) (int64, error) {
	resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: s.cfg.Namespace, Query: query})
	return resp.GetCount(), err
}

// delayedSince narrows a query to messages whose delay is not over at now.
func delayedSince(now time.Time) string {
	return fmt.Sprintf("ExecutionTime > '%s'", now.UTC().Format(time.RFC3339Nano))
}

// peekScan bounds how many running message workflows one Peek considers.
const peekScan = 1000

// PeekMessages returns up to count visible messages, highest priority and
// oldest first, without receiving them: no ReceiptHandle, no
// NextVisibleTime. Best effort: it considers at most the 1000 most recently
// sent message workflows whose delay is over, as visibility (eventually
// consistent) lists them together with those this Store sent that it does
// not list yet (recentSends), in the order of the highest priority each
// holds, then reads each candidate's workflow until it has count visible
// messages.
func (s *Store) PeekMessages(ctx context.Context, queue string, count int) ([]Message, error) {
	if count < 1 || count > maxBatch {
		return nil, invalidArgument("the number of messages to peek must be between 1 and %d, not %d", maxBatch, count)
	}
	if _, err := s.recentQueue(ctx, queue); err != nil {
		return nil, fmt.Errorf("peeking into queue %s: %w", queue, err)
	}
	now := time.Now()
	resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.cfg.Namespace,
		PageSize:  peekScan,
		Query: runningMessages(queue, "ExecutionTime <= '"+now.UTC().Format(time.RFC3339Nano)+"'",
			MessageWorkflow, GroupWorkflow),
	})
	if err != nil {
		return nil, fmt.Errorf("peeking into queue %s: %w", queue, err)
	}
	var candidates []sentWorkflow
	listed := map[string]bool{}
	for _, info := range resp.GetExecutions() {
		id := info.GetExecution().GetWorkflowId()
		if ownMessage(queue, id) {
			listed[id] = true
			candidates = append(candidates, sentWorkflow{workflowID: id, priority: memoPriority(info), startTime: info.GetStartTime().AsTime()})
		}
	}
	for _, w := range s.sent.visible(queue, now) {
		if !listed[w.workflowID] {
			candidates = append(candidates, w)
		}
	}
	slices.SortStableFunc(candidates, func(a, b sentWorkflow) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), a.startTime.Compare(b.startTime))
	})
	msgs := []Message{}
	for _, c := range candidates {
		if len(msgs) >= count {
			break
		}
		visible, err := s.peek(ctx, c.workflowID)
		if err != nil {
			return msgs, fmt.Errorf("peeking into queue %s: %w", queue, err)
		}
		msgs = append(msgs, visible...)
	}
	slices.SortStableFunc(msgs, func(a, b Message) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), a.EnqueueTime.Compare(b.EnqueueTime))
	})
	return msgs[:min(count, len(msgs))], nil
}

// memoPriority is the highest priority (lowest number) of the messages a
// workflow was started with.
func memoPriority(info *workflowpb.WorkflowExecutionInfo) int {
	priority := defaultPriority
	if p, ok := info.GetMemo().GetFields()[priorityMemo]; ok {
		_ = payload.Converter.FromPayload(p, &priority) // a bad memo sorts as the default
	}
	return priority
}

// peek reads one message or group workflow: its visible messages are those
// whose delivery activity waits for a receiver, or all of them when it has
// not offered any yet (it started a moment ago and its first workflow task
// has not run).
func (s *Store) peek(ctx context.Context, workflowID string) ([]Message, error) {
	desc, err := s.describeRunning(ctx, workflowID)
	if desc == nil || err != nil {
		return nil, err
	}
	if len(desc.GetPendingActivities()) == 0 {
		// Not offered yet, or every message held after a visibility change;
		// the history tells, unless the first workflow task offered them
		// between the describe and the read, which a describe after the
		// read shows.
		started, deliveries, err := s.readHistory(ctx, workflowID)
		if err != nil {
			return nil, err
		}
		if len(deliveries) == 0 {
			return unoffered(workflowID, started)
		}
		if desc, err = s.describeRunning(ctx, workflowID); desc == nil || err != nil {
			return nil, err
		}
	}
	var waiting []*workflowpb.PendingActivityInfo
	for _, p := range desc.GetPendingActivities() {
		if p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED {
			waiting = append(waiting, p)
		}
	}
	if len(waiting) == 0 {
		return nil, nil
	}
	_, deliveries, err := s.readHistory(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	var msgs []Message
	for _, p := range waiting {
		d, ok := deliveries[p.GetActivityId()]
		if !ok {
			return nil, fmt.Errorf("message %s has no delivery %s in its history", workflowID, p.GetActivityId())
		}
		dequeues := d.PreviousDequeueCount + int(p.GetAttempt()) - 1
		m := Message{
			MessageID:    d.MessageId,
			Body:         d.MessageBody,
			BodyMD5:      d.MessageBodyMD5,
			EnqueueTime:  time.UnixMilli(d.EnqueueTime),
			DequeueCount: dequeues,
			Priority:     d.Priority,
		}
		switch {
		case d.FirstDequeueTime != 0:
			m.FirstDequeueTime = time.UnixMilli(d.FirstDequeueTime)
		case dequeues > 0:
			m.FirstDequeueTime = p.GetScheduledTime().AsTime()
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// describeRunning describes a message or group workflow, or returns nil
// when it is no longer running.
func (s *Store) describeRunning(ctx context.Context, workflowID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	desc, err := s.client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		if errors.Is(staleAs(err), ErrMessageNotExist) {
			return nil, nil // ended since it was listed
		}
		return nil, err
	}
	if desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil, nil
	}
	return desc, nil
}

// unoffered are the messages a workflow that has offered none yet was
// started with: none was received, so all are visible.
func unoffered(workflowID string, started *historypb.WorkflowExecutionStartedEventAttributes) ([]Message, error) {
	var sent []message
	if started.GetWorkflowType().GetName() == GroupWorkflow {
		var g messageGroup
		if err := payload.Converter.FromPayloads(started.GetInput(), &g); err != nil {
			return nil, fmt.Errorf("decoding the messages of %s: %w", workflowID, err)
		}
		sent = g.Messages
	} else {
		var m message
		if err := payload.Converter.FromPayloads(started.GetInput(), &m); err != nil {
			return nil, fmt.Errorf("decoding the message of %s: %w", workflowID, err)
		}
		sent = []message{m}
	}
	msgs := make([]Message, 0, len(sent))
	for _, m := range sent {
		msgs = append(msgs, Message{
			MessageID:   m.ID,
			Body:        m.Body,
			BodyMD5:     m.BodyMD5,
			EnqueueTime: time.UnixMilli(m.EnqueueTime),
			Priority:    m.Priority,
		})
	}
	return msgs, nil
}

// readHistory reads a message or group workflow's history: its start,
// whose input holds the messages it was started with, and the inputs of its
// delivery activities by activity ID.
func (s *Store) readHistory(ctx context.Context, workflowID string) (started *historypb.WorkflowExecutionStartedEventAttributes, deliveries map[string]Delivery, err error) {
	deliveries = map[string]Delivery{}
	iter := s.client.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			return nil, nil, fmt.Errorf("reading message %s: %w", workflowID, err)
		}
		if a := event.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			started = a
		}
		scheduled := event.GetActivityTaskScheduledEventAttributes()
		if scheduled == nil {
			continue
		}
		var d Delivery
		if err := payload.Converter.FromPayloads(scheduled.GetInput(), &d); err != nil {
			return nil, nil, fmt.Errorf("decoding a delivery of message %s: %w", workflowID, err)
		}
		deliveries[scheduled.GetActivityId()] = d
	}
	return started, deliveries, nil
}
