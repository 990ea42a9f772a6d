package main

import (
	"context"
	"fmt"
	"io"

	"github.com/fnflow/fnflow/bench/queueload"
	"github.com/fnflow/fnflow/mnsclient"
)

// The queue scenario: messages through an MNS queue, sent by ten producers
// and received (long poll) and deleted by ten consumers through the
// gateway's MNS API, as workers anywhere do; against the Temporal server's
// own rate for a message as a workflow running one activity, and for
// messages sent together as one workflow, taken by a plain Temporal worker
// (package queueload, the load of BenchmarkQueue). Each run has a latency
// phase (one message at a time, send → receive) and a rate phase (the
// messages as fast as the producers go). The variants take turns, round by
// round.

// QueueReport is the queue scenario's figures.
type QueueReport struct {
	Messages, Rounds int
	Results          []QueueResult
}

// QueueResult is one variant's run in one round.
type QueueResult struct {
	Variant           string
	Round             int
	MessagesPerSecond float64
	// P50 and P99 are send → receive, in milliseconds.
	P50, P99 float64
}

// The queue scenario's variants.
const (
	queueFnflow      = "fnflow"
	queueRawMessages = "a workflow a message"
	queueRawGrouped  = "grouped"
)

func runQueue(ctx context.Context, opts options, env *environment) (*QueueReport, error) {
	mns := &mnsclient.Client{Endpoint: env.stack.gateway.Endpoint, AccessKeyID: opts.accessKeyID, AccessKeySecret: opts.accessKeySecret}
	variants := []struct {
		name string
		run  func(ctx context.Context) (queueload.Result, error)
	}{
		{queueFnflow, func(ctx context.Context) (queueload.Result, error) {
			return measureMNSQueue(ctx, mns, opts.queueMessages)
		}},
		{queueRawMessages, func(ctx context.Context) (queueload.Result, error) {
			return measureRaw(ctx, env, opts.queueMessages, func(r *queueload.Raw) queueload.Send { return r.SendOne })
		}},
		{queueRawGrouped, func(ctx context.Context) (queueload.Result, error) {
			return measureRaw(ctx, env, opts.queueMessages, (*queueload.Raw).SendGrouped)
		}},
	}
	report := &QueueReport{Messages: opts.queueMessages, Rounds: opts.queueRounds}
	for round := range opts.queueRounds {
		for _, v := range variants {
			r, err := v.run(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", v.name, round+1, err)
			}
			report.Results = append(report.Results, QueueResult{Variant: v.name, Round: round + 1,
				MessagesPerSecond: r.MessagesPerSecond, P50: milliseconds(r.P50), P99: milliseconds(r.P99)})
		}
	}
	return report, nil
}

// measureMNSQueue runs the load through a queue of its own on the
// gateway, deleted afterwards.
func measureMNSQueue(ctx context.Context, mns *mnsclient.Client, n int) (queueload.Result, error) {
	queue := executionPrefix("bench", "queue")
	if err := mns.CreateQueue(ctx, queue, mnsclient.QueueAttributes{}); err != nil {
		return queueload.Result{}, fmt.Errorf("creating queue %s: %w", queue, err)
	}
	defer func() { _ = mns.DeleteQueue(context.WithoutCancel(ctx), queue) }()
	send, receive := queueload.MNS(mns, queue)
	return queueload.Measure(ctx, n, send, receive)
}

// measureRaw runs the load through a raw Temporal shape, on a plain worker
// of its own.
func measureRaw(ctx context.Context, env *environment, n int, send func(*queueload.Raw) queueload.Send) (queueload.Result, error) {
	raw, err := queueload.StartRaw(env.stack.temporal)
	if err != nil {
		return queueload.Result{}, err
	}
	defer raw.Stop()
	return queueload.Measure(ctx, n, send(raw), raw.Receive)
}

// printQueue prints each variant's median over the rounds, and its rate as
// a share of a workflow a message's.
func printQueue(w io.Writer, report *QueueReport) {
	byVariant := map[string][]QueueResult{}
	for _, r := range report.Results {
		byVariant[r.Variant] = append(byVariant[r.Variant], r)
	}
	rate := func(r QueueResult) float64 { return r.MessagesPerSecond }
	base := median(byVariant[queueRawMessages], rate)
	fmt.Fprintf(w, "queue: %d messages per variant and round, 10 producers, 10 consumers; medians of %d rounds\n\n", report.Messages, report.Rounds)
	fmt.Fprintln(w, "| variant | messages/s | ratio to a workflow a message | send → receive p50 ms | p99 ms |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, name := range []string{queueFnflow, queueRawMessages, queueRawGrouped} {
		rs := byVariant[name]
		m := median(rs, rate)
		fmt.Fprintf(w, "| %s | %.1f | %.2f | %.1f | %.1f |\n", name, m, m/base,
			median(rs, func(r QueueResult) float64 { return r.P50 }), median(rs, func(r QueueResult) float64 { return r.P99 }))
	}
	fmt.Fprintln(w)
}
