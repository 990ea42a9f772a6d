package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/mnsclient"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// consumers is how many consumers receive concurrently, in both variants.
const consumers = 10

// BenchmarkQueue measures messages through an MNS queue: sent by 10
// producers, received (long poll) and deleted by 10 consumers, all through
// the gateway's MNS API over HTTP, as workers anywhere would; against the
// embedded server's raw activity-dispatch rate: the same number of
// workflows, each running one activity that a plain Temporal worker with 10
// concurrent activity slots takes and completes; and against the rate the
// same server gives when messages sent together share a workflow
// (raw-temporal-grouped), the ceiling of a design fnflow does not have, and
// when each message is a standalone activity with no workflow
// (raw-standalone-activities). All report messages/s and the send → receive
// latency (p50, p99).
func BenchmarkQueue(b *testing.B) {
	integration(b)
	b.Run("mns-gateway", func(b *testing.B) {
		c := mnsGateway(b)
		queue := fmt.Sprintf("bench-%d", time.Now().UnixNano())
		if err := c.CreateQueue(b.Context(), queue, mnsclient.QueueAttributes{}); err != nil {
			b.Fatal(err)
		}
		measureQueue(b, func(ctx context.Context, sentAt int64) error {
			_, err := c.Send(ctx, queue, mnsclient.Outgoing{MessageBody: strconv.FormatInt(sentAt, 10)})
			return err
		}, func(ctx context.Context, received func(sentAt int64)) error {
			m, err := c.Receive(ctx, queue, 5*time.Second)
			if mnsclient.Code(err) == "MessageNotExist" {
				return nil
			}
			if err != nil {
				return err
			}
			sentAt, _ := strconv.ParseInt(m.MessageBody, 10, 64)
			received(sentAt)
			return c.Delete(ctx, queue, m.ReceiptHandle)
		})
	})
	b.Run("raw-temporal-activities", func(b *testing.B) {
		taskQueue, received := rawDelivery(b, "bench.OneActivity", oneActivity)
		measureQueue(b, func(ctx context.Context, sentAt int64) error {
			_, err := temporalClient.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, "bench.OneActivity", sentAt)
			return err
		}, received)
	})
	// Not a design fnflow has either: a message as one of Temporal's
	// standalone activities, which needs no workflow at all (no workflow
	// tasks), taken by the same plain worker.
	b.Run("raw-standalone-activities", func(b *testing.B) {
		taskQueue, received := rawDelivery(b, "bench.OneActivity", oneActivity)
		var sent atomic.Int64
		measureQueue(b, func(ctx context.Context, sentAt int64) error {
			_, err := temporalClient.ExecuteActivity(ctx, client.StartActivityOptions{
				ID:                  fmt.Sprintf("%s-%d", taskQueue, sent.Add(1)),
				TaskQueue:           taskQueue,
				StartToCloseTimeout: deliveryOptions.StartToCloseTimeout,
				RetryPolicy:         deliveryOptions.RetryPolicy,
			}, "bench.Delivered", sentAt)
			return err
		}, received)
	})
	// Not a design fnflow has: the ceiling of one it could have, in which
	// messages sent together share a workflow. Sends that arrive within
	// groupWindow of each other, up to groupSize, start one workflow that
	// runs an activity per message.
	b.Run("raw-temporal-grouped", func(b *testing.B) {
		taskQueue, received := rawDelivery(b, "bench.GroupedActivities", groupedActivities)
		g := &sendGroups{start: func(ctx context.Context, sentAt []int64) error {
			_, err := temporalClient.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, "bench.GroupedActivities", sentAt)
			return err
		}}
		measureQueue(b, g.send, received)
	})
}

// rawDelivery starts a plain Temporal worker with 10 activity slots that
// runs workflowFn as workflowName, whose activities each deliver a message.
// It returns the worker's task queue and a receive for measureQueue.
func rawDelivery(b *testing.B, workflowName string, workflowFn any) (string, func(context.Context, func(int64)) error) {
	received := make(chan int64, 1024)
	taskQueue := fmt.Sprintf("bench-raw-%d", time.Now().UnixNano())
	w := sdkworker.New(temporalClient, taskQueue, sdkworker.Options{MaxConcurrentActivityExecutionSize: consumers})
	w.RegisterWorkflowWithOptions(workflowFn, workflow.RegisterOptions{Name: workflowName})
	w.RegisterActivityWithOptions(func(ctx context.Context, sentAt int64) error {
		received <- sentAt
		return nil
	}, activity.RegisterOptions{Name: "bench.Delivered"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	return taskQueue, func(ctx context.Context, got func(sentAt int64)) error {
		select {
		case sentAt := <-received:
			got(sentAt)
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
		return nil
	}
}

var deliveryOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond},
}

// oneActivity is the baseline's message: one activity, then the end.
func oneActivity(ctx workflow.Context, sentAt int64) error {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, deliveryOptions), "bench.Delivered", sentAt).Get(ctx, nil)
}

// groupedActivities is a group of messages: an activity each, all at once.
func groupedActivities(ctx workflow.Context, sentAt []int64) error {
	ctx = workflow.WithActivityOptions(ctx, deliveryOptions)
	deliveries := make([]workflow.Future, len(sentAt))
	for i, s := range sentAt {
		deliveries[i] = workflow.ExecuteActivity(ctx, "bench.Delivered", s)
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

// latencySamples is how many messages the latency phase sends one at a
// time.
const latencySamples = 200

// measureQueue runs two phases with 10 consumers taking messages. The
// latency phase sends one message at a time, each once the last was
// received, so that the send → receive latency it reports is the queue's
// own and not time spent waiting behind a flood; the rate phase then sends
// b.N messages from 10 producers as fast as they go and reports messages/s. send sends one
// message stamped with its send time; receive takes at most one and calls
// received with its stamp.
func measureQueue(b *testing.B, send func(ctx context.Context, sentAt int64) error, receive func(ctx context.Context, received func(sentAt int64)) error) {
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
	defer cancel()
	samples := min(b.N, latencySamples)
	arrived := make(chan time.Duration, b.N+samples)
	var left atomic.Int64
	left.Store(int64(b.N + samples))
	var wg sync.WaitGroup
	for range consumers {
		wg.Go(func() {
			for left.Load() > 0 && ctx.Err() == nil {
				err := receive(ctx, func(sentAt int64) {
					arrived <- time.Since(time.Unix(0, sentAt))
					left.Add(-1)
				})
				if err != nil {
					b.Errorf("receiving: %v", err)
					cancel()
				}
			}
		})
	}
	defer wg.Wait()

	latencies := make([]time.Duration, 0, samples)
	for range samples {
		if err := send(ctx, time.Now().UnixNano()); err != nil {
			b.Fatalf("sending: %v", err)
		}
		select {
		case d := <-arrived:
			latencies = append(latencies, d)
		case <-ctx.Done():
			b.Fatalf("a message of the latency phase was not received: %v", ctx.Err())
		}
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2])/float64(time.Millisecond), "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100])/float64(time.Millisecond), "p99-ms")

	start := time.Now()
	if err := produce(ctx, b.N, func(ctx context.Context) error { return send(ctx, time.Now().UnixNano()) }); err != nil {
		b.Fatalf("sending: %v", err)
	}
	for range b.N {
		select {
		case <-arrived:
		case <-ctx.Done():
			b.Fatalf("not every message of the rate phase was received: %v", ctx.Err())
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

var (
	gatewayOnce sync.Once
	gatewayURL  string
)

// mnsGateway returns a client of a gateway serving the MNS API on the shared
// server, started on first use; the bench worker runs the queues' workflows.
func mnsGateway(b *testing.B) *mnsclient.Client {
	env := testenv.Start(b)
	gatewayOnce.Do(func() {
		srv := httptest.NewServer(gateway.New(gateway.Config{
			Temporal:  env.Client,
			Namespace: env.Namespace,
			TaskQueue: taskQueue,
			Tokens:    env.Signer,
			Flows:     flowstore.New(env.Client, taskQueue),
			Queues:    queues.New(env.Client, queues.Config{Namespace: env.Namespace, TaskQueue: taskQueue, Handles: env.Signer, GroupSends: true}),
			Topics:    topics.New(env.Client, topics.Config{TaskQueue: taskQueue}),
			Logger:    env.Logger,
		}))
		testenv.OnStop(srv.Close)
		gatewayURL = srv.URL
	})
	return &mnsclient.Client{Endpoint: gatewayURL}
}

// BenchmarkQueueBacklog fills a queue with b.N waiting messages (10
// producers, straight through the queue store), a workflow a message
// (singles, as `fnflow gateway` without --mns-group-sends stores them) or
// gathered into groups (grouped, as `fnflow dev` does), and then takes 100
// of them from the full queue: it shows how deep a queue one machine holds,
// and that a deep queue answers a receive as a shallow one does. `make
// bench` does not run it (100,000 singles take over twenty minutes);
// docs/benchmarks.md says how it was run.
func BenchmarkQueueBacklog(b *testing.B) {
	integration(b)
	b.Run("singles", func(b *testing.B) { measureBacklog(b, false) })
	b.Run("grouped", func(b *testing.B) { measureBacklog(b, true) })
}

func measureBacklog(b *testing.B, grouped bool) {
	env := testenv.Start(b)
	store := queues.New(env.Client, queues.Config{Namespace: env.Namespace, TaskQueue: taskQueue, Handles: env.Signer, GroupSends: grouped})
	ctx := b.Context()
	queue := fmt.Sprintf("backlog-%d", time.Now().UnixNano())
	if _, err := store.CreateQueue(ctx, queue, queues.AttributeChange{}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := produce(ctx, b.N, func(ctx context.Context) error {
		_, err := store.SendMessage(ctx, queue, queues.Outgoing{Body: "waiting"})
		return err
	}); err != nil {
		b.Fatalf("sending: %v", err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sent/s")

	samples := min(b.N, 100)
	latencies := make([]time.Duration, 0, samples)
	for range samples {
		began := time.Now()
		msgs, err := store.ReceiveMessages(ctx, queue, 1, 10*time.Second)
		if err != nil || len(msgs) != 1 {
			b.Fatalf("receiving from a queue of %d: %v, %d messages", b.N, err, len(msgs))
		}
		latencies = append(latencies, time.Since(began))
		if err := store.DeleteMessage(ctx, queue, msgs[0].ReceiptHandle); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2])/float64(time.Millisecond), "receive-p50-ms")
	_, counters, err := store.GetQueue(ctx, queue)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(counters.ActiveMessages+counters.InactiveMessages+counters.DelayMessages), "held")
}

// produce sends n messages from 10 producers, each calling send until the n
// are sent, and returns the first error, which stops them all.
func produce(ctx context.Context, n int, send func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var producers sync.WaitGroup
	for range consumers {
		producers.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if err := send(ctx); err != nil {
					cancel(err)
				}
			}
		})
	}
	producers.Wait()
	return context.Cause(ctx)
}
