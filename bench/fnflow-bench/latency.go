package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

// The latency scenario: one execution at a time of a flow of two callback
// steps, whose tokens the load generator reports itself, so that each
// transition is timed from the call that causes it to the moment it shows:
//
//   - start → waiting: StartExecution (ExecuteWorkflow) sent → the function
//     receives step 1's call with its token;
//   - callback → next step: step 1's report sent → the function receives
//     step 2's call;
//   - report → closed: step 2's report sent → the execution is seen closed,
//     asked every closedPoll (DescribeExecution through the gateway, or
//     DescribeWorkflowExecution), the same for both variants.
//
// The two variants alternate execution by execution, so that a change in
// the machine's load falls on both.

// closedPoll is how often the latency scenario asks whether an execution
// has closed: often enough not to blur a few milliseconds.
const closedPoll = 2 * time.Millisecond

const latencyFlow = "bench-latency"

// LatencyReport is the latency scenario's figures.
type LatencyReport struct {
	Executions int
	// ClosedPollMilliseconds is how often closing is asked for.
	ClosedPollMilliseconds float64
	Variants               []LatencyResult
}

// LatencyResult is one variant's latencies, in milliseconds.
type LatencyResult struct {
	Variant        string
	StartToWaiting Percentiles
	CallbackToNext Percentiles
	ReportToClosed Percentiles
}

// Percentiles are a latency's p50, p90 and p99, in milliseconds.
type Percentiles struct{ P50, P90, P99 float64 }

func percentiles(d []time.Duration) Percentiles {
	slices.Sort(d)
	return Percentiles{milliseconds(percentile(d, 50)), milliseconds(percentile(d, 90)), milliseconds(percentile(d, 99))}
}

func runLatency(ctx context.Context, opts options, env *environment) (*LatencyReport, error) {
	list := steps(2, "waitForCallback", "hold")
	if err := deployFlow(ctx, env.stack.gateway, latencyFlow, stepsFlow(list)); err != nil {
		return nil, err
	}
	variants := []variant{fnflowVariant(env.stack.gateway, latencyFlow), env.baseline.variant("HandwrittenSteps", list)}
	timings := make([][3][]time.Duration, len(variants))
	// Two executions of each first, not counted, warm the connections up.
	const warmUp = 2
	for i := range warmUp + opts.latencyExecutions {
		for j, v := range variants {
			t, err := timeOne(ctx, v, env.fn, fmt.Sprintf("%s-%d", executionPrefix("latency", v.name), i))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			if i >= warmUp {
				for k := range t {
					timings[j][k] = append(timings[j][k], t[k])
				}
			}
		}
	}
	report := &LatencyReport{Executions: opts.latencyExecutions, ClosedPollMilliseconds: milliseconds(closedPoll)}
	for j, v := range variants {
		report.Variants = append(report.Variants, LatencyResult{Variant: v.name,
			StartToWaiting: percentiles(timings[j][0]), CallbackToNext: percentiles(timings[j][1]), ReportToClosed: percentiles(timings[j][2])})
	}
	return report, nil
}

// timeOne runs one execution of the two-callback flow and returns its start
// → waiting, callback → next step and report → closed.
func timeOne(ctx context.Context, v variant, fn *function, execution string) ([3]time.Duration, error) {
	var t [3]time.Duration
	defer fn.forget(execution)
	began := time.Now()
	if err := v.start(ctx, execution); err != nil {
		return t, fmt.Errorf("starting %s: %w", execution, err)
	}
	first, err := reach(ctx, v, fn, execution, time.Minute)
	if err != nil {
		return t, fmt.Errorf("step 1: %w", err)
	}
	t[0] = first.at.Sub(began)
	reported := time.Now()
	if err := first.report(ctx); err != nil {
		return t, fmt.Errorf("reporting step 1 of %s: %w", execution, err)
	}
	second, err := reach(ctx, v, fn, execution, time.Minute)
	if err != nil {
		return t, fmt.Errorf("step 2: %w", err)
	}
	t[1] = second.at.Sub(reported)
	reported = time.Now()
	if err := second.report(ctx); err != nil {
		return t, fmt.Errorf("reporting step 2 of %s: %w", execution, err)
	}
	if err := awaitEnd(ctx, v, execution, closedPoll); err != nil {
		return t, fmt.Errorf("execution %s: %w", execution, err)
	}
	t[2] = time.Since(reported)
	return t, nil
}

func printLatency(w io.Writer, report *LatencyReport) {
	fmt.Fprintf(w, "latency: %d executions per variant, one at a time, two callback steps; closed = seen closed, asked every %.0f ms (fnflow / hand-written, ms)\n\n",
		report.Executions, report.ClosedPollMilliseconds)
	fmt.Fprintln(w, "| transition | p50 | ratio | p90 | ratio | p99 | ratio |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	f, h := report.Variants[0], report.Variants[1]
	for _, row := range []struct {
		name string
		f, h Percentiles
	}{
		{"start → waiting", f.StartToWaiting, h.StartToWaiting},
		{"callback → next step", f.CallbackToNext, h.CallbackToNext},
		{"report → closed", f.ReportToClosed, h.ReportToClosed},
	} {
		fmt.Fprintf(w, "| %s | %.1f / %.1f | %.2f | %.1f / %.1f | %.2f | %.1f / %.1f | %.2f |\n", row.name,
			row.f.P50, row.h.P50, row.f.P50/row.h.P50, row.f.P90, row.h.P90, row.f.P90/row.h.P90, row.f.P99, row.h.P99, row.f.P99/row.h.P99)
	}
	fmt.Fprintln(w)
}
