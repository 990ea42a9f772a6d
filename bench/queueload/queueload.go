// Package queueload is the load of fnflow's queue benchmarks, shared by the
// Go benchmarks (package bench) and fnflow-bench's queue scenario: producers
// and consumers taking messages through a queue, and the raw Temporal
// shapes they are measured against in the same run (docs/benchmarks.md §5).
package queueload

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Consumers is how many consumers receive concurrently, and how many
// producers send, in every variant.
const Consumers = 10

// LatencySamples is how many messages the latency phase sends one at a
// time, at most.
const LatencySamples = 200

// Send sends one message stamped with its send time, in Unix nanoseconds.
type Send func(ctx context.Context, sentAt int64) error

// Receive takes at most one message, waiting a while for it, and calls
// received with its stamp; no message is no error.
type Receive func(ctx context.Context, received func(sentAt int64)) error

// Result is what Measure measured.
type Result struct {
	// MessagesPerSecond is the rate phase's: its messages over the time
	// from its first send to its last receive.
	MessagesPerSecond float64
	// P50 and P99 are the latency phase's send → receive.
	P50, P99 time.Duration
}

// Measure runs two phases with Consumers consumers taking messages. The
// latency phase sends one message at a time, each once the last was
// received, so that the send → receive latency it reports is the queue's own
// and not time spent waiting behind a flood; the rate phase then sends n
// messages from Consumers producers as fast as they go and measures
// messages/s until the last is received. It gives up at ctx's end.
func Measure(ctx context.Context, n int, send Send, receive Receive) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	samples := min(n, LatencySamples)
	arrived := make(chan time.Duration, n+samples)
	var left atomic.Int64
	left.Store(int64(n + samples))
	var wg sync.WaitGroup
	for range Consumers {
		wg.Go(func() {
			for left.Load() > 0 && ctx.Err() == nil {
				err := receive(ctx, func(sentAt int64) {
					arrived <- time.Since(time.Unix(0, sentAt))
					left.Add(-1)
				})
				if err != nil && ctx.Err() == nil {
					cancel(fmt.Errorf("receiving: %w", err))
				}
			}
		})
	}
	defer wg.Wait()
	failed := func(what string) error {
		if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}

	latencies := make([]time.Duration, 0, samples)
	for range samples {
		if err := send(ctx, time.Now().UnixNano()); err != nil {
			cancel(nil)
			return Result{}, fmt.Errorf("sending: %w", err)
		}
		select {
		case d := <-arrived:
			latencies = append(latencies, d)
		case <-ctx.Done():
			return Result{}, failed("a message of the latency phase was not received")
		}
	}
	slices.Sort(latencies)
	var r Result
	if samples > 0 {
		r.P50, r.P99 = latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	}

	start := time.Now()
	if err := Produce(ctx, n, func(ctx context.Context) error { return send(ctx, time.Now().UnixNano()) }); err != nil {
		cancel(nil)
		return Result{}, fmt.Errorf("sending: %w", err)
	}
	for range n {
		select {
		case <-arrived:
		case <-ctx.Done():
			return Result{}, failed("not every message of the rate phase was received")
		}
	}
	r.MessagesPerSecond = float64(n) / time.Since(start).Seconds()
	// Not canceled: a consumer deletes what it received after counting it,
	// and ends once its last receive's wait is over.
	return r, nil
}

// Produce sends n messages from Consumers producers, each calling send
// until the n are sent, and returns the first error, which stops them all.
func Produce(ctx context.Context, n int, send func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var producers sync.WaitGroup
	for range Consumers {
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
