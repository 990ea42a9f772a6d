package queueload

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The raw Temporal shapes a queue is measured against: a message as a
// workflow running one activity (what a message of fnflow's queue costs the
// server without grouping), and messages sent together as one workflow
// running an activity each (the grouped shape), both taken by a plain
// Temporal worker with Consumers activity slots.

// Workflow types of the raw shapes, and their activity's.
const (
	OneActivityWorkflow       = "bench.OneActivity"
	GroupedActivitiesWorkflow = "bench.GroupedActivities"
	deliveredActivity         = "bench.Delivered"
)

// Raw is a plain Temporal worker taking the raw shapes' messages.
type Raw struct {
	client    client.Client
	taskQueue string
	worker    sdkworker.Worker
	received  chan int64
}

// StartRaw starts a plain Temporal worker with Consumers activity slots on
// a task queue of its own, running both raw shapes.
func StartRaw(c client.Client) (*Raw, error) {
	r := &Raw{client: c, taskQueue: fmt.Sprintf("bench-raw-%d", time.Now().UnixNano()), received: make(chan int64, 1024)}
	r.worker = sdkworker.New(c, r.taskQueue, sdkworker.Options{MaxConcurrentActivityExecutionSize: Consumers})
	r.worker.RegisterWorkflowWithOptions(oneActivity, workflow.RegisterOptions{Name: OneActivityWorkflow})
	r.worker.RegisterWorkflowWithOptions(groupedActivities, workflow.RegisterOptions{Name: GroupedActivitiesWorkflow})
	r.worker.RegisterActivityWithOptions(func(ctx context.Context, sentAt int64) error {
		r.received <- sentAt
		return nil
	}, activity.RegisterOptions{Name: deliveredActivity})
	if err := r.worker.Start(); err != nil {
		return nil, fmt.Errorf("starting the raw shapes' worker: %w", err)
	}
	return r, nil
}

// Stop stops the worker.
func (r *Raw) Stop() { r.worker.Stop() }

// TaskQueue is the worker's task queue.
func (r *Raw) TaskQueue() string { return r.taskQueue }

// SendOne sends a message as a workflow of its own.
func (r *Raw) SendOne(ctx context.Context, sentAt int64) error {
	_, err := r.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: r.taskQueue}, OneActivityWorkflow, sentAt)
	return err
}

// SendStandalone returns a Send that sends each message as one of
// Temporal's standalone activities, with no workflow.
func (r *Raw) SendStandalone() Send {
	var sent atomic.Int64
	return func(ctx context.Context, sentAt int64) error {
		_, err := r.client.ExecuteActivity(ctx, client.StartActivityOptions{
			ID:                  fmt.Sprintf("%s-%d", r.taskQueue, sent.Add(1)),
			TaskQueue:           r.taskQueue,
			StartToCloseTimeout: DeliveryOptions.StartToCloseTimeout,
			RetryPolicy:         DeliveryOptions.RetryPolicy,
		}, deliveredActivity, sentAt)
		return err
	}
}

// SendGrouped returns a Send that gathers concurrent sends into groups
// (those within groupWindow of the first, up to groupSize), each one
// workflow.
func (r *Raw) SendGrouped() Send {
	g := &sendGroups{start: func(ctx context.Context, sentAt []int64) error {
		_, err := r.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: r.taskQueue}, GroupedActivitiesWorkflow, sentAt)
		return err
	}}
	return g.send
}

// Receive is the worker's Receive: a message its activity took, if one
// comes within a second.
func (r *Raw) Receive(ctx context.Context, got func(sentAt int64)) error {
	select {
	case sentAt := <-r.received:
		got(sentAt)
	case <-time.After(time.Second):
	case <-ctx.Done():
	}
	return nil
}

// DeliveryOptions are the raw shapes' activity options.
var DeliveryOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond},
}

// oneActivity is the baseline's message: one activity, then the end.
func oneActivity(ctx workflow.Context, sentAt int64) error {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, DeliveryOptions), deliveredActivity, sentAt).Get(ctx, nil)
}

// groupedActivities is a group of messages: an activity each, all at once.
func groupedActivities(ctx workflow.Context, sentAt []int64) error {
	ctx = workflow.WithActivityOptions(ctx, DeliveryOptions)
	deliveries := make([]workflow.Future, len(sentAt))
	for i, s := range sentAt {
		deliveries[i] = workflow.ExecuteActivity(ctx, deliveredActivity, s)
	}
	for _, d := range deliveries {
		if err := d.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// groupSize and groupWindow bound a group of sends.
const (
	groupSize   = 16
	groupWindow = 2 * time.Millisecond
)

// sendGroups gathers concurrent sends into groups, each started with one
// call; a send returns once its group has started.
type sendGroups struct {
	start func(ctx context.Context, sentAt []int64) error

	mu      sync.Mutex
	sentAt  []int64
	waiters []chan error
	timer   *time.Timer
}

func (g *sendGroups) send(ctx context.Context, sentAt int64) error {
	started := make(chan error, 1)
	g.mu.Lock()
	g.sentAt = append(g.sentAt, sentAt)
	g.waiters = append(g.waiters, started)
	switch {
	case len(g.sentAt) == groupSize:
		g.flushLocked(ctx)
	case g.timer == nil:
		g.timer = time.AfterFunc(groupWindow, func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.flushLocked(ctx)
		})
	}
	g.mu.Unlock()
	return <-started
}

// flushLocked starts the gathered group, if any.
func (g *sendGroups) flushLocked(ctx context.Context) {
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
	if len(g.sentAt) == 0 {
		return
	}
	sentAt, waiters := g.sentAt, g.waiters
	g.sentAt, g.waiters = nil, nil
	go func() {
		err := g.start(ctx, sentAt)
		for _, w := range waiters {
			w <- err
		}
	}()
}
