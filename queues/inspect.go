package queues

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/payload"
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
	total, err := s.count(ctx, runningMessages(name, ""))
	if err != nil {
		return Queue{}, Counters{}, fmt.Errorf("counting the messages of queue %s: %w", name, err)
	}
	if c.DelayMessages, err = s.count(ctx, runningMessages(name, delayedSince(time.Now()))); err != nil {
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

func (s *Store) count(ctx context.Context, query string) (int64, error) {
	resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: s.cfg.Namespace, Query: query})
	return resp.GetCount(), err
}

// delayedSince narrows a query to messages whose delay is not over at now.
func delayedSince(now time.Time) string {
	return fmt.Sprintf("ExecutionTime > '%s'", now.UTC().Format(time.RFC3339Nano))
}

// peekScan bounds how many running messages one Peek considers.
const peekScan = 1000

// PeekMessages returns up to count visible messages, highest priority and
// oldest first, without receiving them: no ReceiptHandle, no
// NextVisibleTime. Best effort: it reads visibility (eventually consistent)
// and considers at most the 1000 most recently sent messages whose delay is
// over, then reads each candidate's workflow until it has count visible
// ones.
func (s *Store) PeekMessages(ctx context.Context, queue string, count int) ([]Message, error) {
	if count < 1 || count > maxBatch {
		return nil, invalidArgument("the number of messages to peek must be between 1 and %d, not %d", maxBatch, count)
	}
	if _, err := s.recentQueue(ctx, queue); err != nil {
		return nil, fmt.Errorf("peeking into queue %s: %w", queue, err)
	}
	resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.cfg.Namespace,
		PageSize:  peekScan,
		Query:     runningMessages(queue, "ExecutionTime <= '"+time.Now().UTC().Format(time.RFC3339Nano)+"'"),
	})
	if err != nil {
		return nil, fmt.Errorf("peeking into queue %s: %w", queue, err)
	}
	candidates := slices.DeleteFunc(resp.GetExecutions(), func(info *workflowpb.WorkflowExecutionInfo) bool {
		return !ownMessage(queue, info.GetExecution().GetWorkflowId())
	})
	slices.SortStableFunc(candidates, func(a, b *workflowpb.WorkflowExecutionInfo) int {
		return cmp.Or(
			cmp.Compare(memoPriority(a), memoPriority(b)),
			a.GetStartTime().AsTime().Compare(b.GetStartTime().AsTime()),
		)
	})
	msgs := []Message{}
	for _, info := range candidates {
		if len(msgs) == count {
			break
		}
		m, visible, err := s.peek(ctx, info.GetExecution().GetWorkflowId())
		if err != nil {
			return msgs, fmt.Errorf("peeking into queue %s: %w", queue, err)
		}
		if visible {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

func memoPriority(info *workflowpb.WorkflowExecutionInfo) int {
	priority := defaultPriority
	if p, ok := info.GetMemo().GetFields()[priorityMemo]; ok {
		_ = payload.Converter.FromPayload(p, &priority) // a bad memo sorts as the default
	}
	return priority
}

// peek reads one message workflow: visible when its delivery activity
// waits for a receiver.
func (s *Store) peek(ctx context.Context, workflowID string) (Message, bool, error) {
	desc, err := s.client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return Message{}, false, staleAs(err)
	}
	pending := desc.GetPendingActivities()
	if desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING ||
		len(pending) != 1 || pending[0].GetState() != enumspb.PENDING_ACTIVITY_STATE_SCHEDULED {
		return Message{}, false, nil
	}
	d, err := s.scheduledDelivery(ctx, workflowID)
	if err != nil {
		return Message{}, false, err
	}
	dequeues := d.PreviousDequeueCount + int(pending[0].GetAttempt()) - 1
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
		m.FirstDequeueTime = pending[0].GetScheduledTime().AsTime()
	}
	return m, true, nil
}

// scheduledDelivery reads the input of a message workflow's latest delivery
// activity from its history.
func (s *Store) scheduledDelivery(ctx context.Context, workflowID string) (Delivery, error) {
	var scheduled *historypb.ActivityTaskScheduledEventAttributes
	iter := s.client.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			return Delivery{}, fmt.Errorf("reading message %s: %w", workflowID, err)
		}
		if a := event.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled = a
		}
	}
	var d Delivery
	if scheduled == nil {
		return d, fmt.Errorf("message %s has no delivery in its history", workflowID)
	}
	if err := payload.Converter.FromPayloads(scheduled.GetInput(), &d); err != nil {
		return d, fmt.Errorf("decoding the delivery of message %s: %w", workflowID, err)
	}
	return d, nil
}
