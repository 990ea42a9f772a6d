package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fnflow/fnflow/bench/queueload"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/mnsclient"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// BenchmarkQueue measures messages through an MNS queue: sent by 10
// producers, received (long poll) and deleted by 10 consumers, all through
// the gateway's MNS API over HTTP, as workers anywhere would; against the
// embedded server's raw activity-dispatch rate: the same number of
// workflows, each running one activity that a plain Temporal worker with 10
// concurrent activity slots takes and completes; and against the rate the
// same server gives when messages sent together share a workflow
// (raw-temporal-grouped), and when each message is a standalone activity
// with no workflow (raw-standalone-activities). All report messages/s and
// the send → receive latency (p50, p99); package queueload has the load.
func BenchmarkQueue(b *testing.B) {
	integration(b)
	b.Run("mns-gateway", func(b *testing.B) {
		c := mnsGateway(b)
		queue := fmt.Sprintf("bench-%d", time.Now().UnixNano())
		if err := c.CreateQueue(b.Context(), queue, mnsclient.QueueAttributes{}); err != nil {
			b.Fatal(err)
		}
		send, receive := queueload.MNS(c, queue)
		measureQueue(b, send, receive)
	})
	b.Run("raw-temporal-activities", func(b *testing.B) {
		raw := startRaw(b)
		measureQueue(b, raw.SendOne, raw.Receive)
	})
	// Not a design fnflow has either: a message as one of Temporal's
	// standalone activities, which needs no workflow at all (no workflow
	// tasks), taken by the same plain worker.
	b.Run("raw-standalone-activities", func(b *testing.B) {
		raw := startRaw(b)
		measureQueue(b, raw.SendStandalone(), raw.Receive)
	})
	// The bare shape of fnflow's grouped sends: sends that arrive within
	// 2 ms of each other, up to 16, start one workflow that runs an
	// activity per message.
	b.Run("raw-temporal-grouped", func(b *testing.B) {
		raw := startRaw(b)
		measureQueue(b, raw.SendGrouped(), raw.Receive)
	})
}

// startRaw starts the raw shapes' plain worker on the shared server, for
// the benchmark.
func startRaw(b *testing.B) *queueload.Raw {
	raw, err := queueload.StartRaw(temporalClient)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(raw.Stop)
	return raw
}

// measureQueue runs queueload.Measure with b.N messages and reports its
// figures.
func measureQueue(b *testing.B, send queueload.Send, receive queueload.Receive) {
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
	defer cancel()
	r, err := queueload.Measure(ctx, b.N, send, receive)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(milliseconds(r.P50), "p50-ms")
	b.ReportMetric(milliseconds(r.P99), "p99-ms")
	b.ReportMetric(r.MessagesPerSecond, "msgs/s")
}

func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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
	if err := queueload.Produce(ctx, b.N, func(ctx context.Context) error {
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
