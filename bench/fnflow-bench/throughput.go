package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The throughput scenario: executions of a flow of task steps, N in flight,
// over the HTTP API, against the hand-written workflow of the same steps,
// both patterns; the variants take turns at each concurrency.

// ThroughputReport is the throughput scenario's figures.
type ThroughputReport struct {
	Executions int
	Steps      int
	Results    []Result
}

// Result is one variant's figures for one round at one concurrency.
type Result struct {
	Variant        string
	Pattern        pattern
	Concurrency    int
	Round          int
	Executions     int
	Seconds        float64
	StepsPerSecond float64
	// StartP50 and StartP99 are the start call's latency (StartExecution,
	// or the Temporal client's ExecuteWorkflow), in milliseconds.
	StartP50, StartP99 float64
	// CPUPerStep is the counted processes' CPU time per step, in
	// milliseconds: `fnflow dev` whole (server, worker, gateway), not the
	// load generator. Zero when no process is counted.
	CPUPerStep float64
}

// pollEvery is how often an execution whose steps are all done is asked
// whether it has ended, for both variants alike. The function says when the
// steps are done, so this is a poll or two per execution.
const pollEvery = 10 * time.Millisecond

func throughputFlow(p pattern) string { return "bench-" + strings.ToLower(string(p)) }

func runThroughput(ctx context.Context, opts options, env *environment) (*ThroughputReport, error) {
	var variants []variant
	for _, p := range []pattern{"waitForCallback", "requestResponse"} {
		list := steps(opts.steps, p, "")
		if err := deployFlow(ctx, env.stack.gateway, throughputFlow(p), stepsFlow(list)); err != nil {
			return nil, err
		}
		f, h := fnflowVariant(env.stack.gateway, throughputFlow(p)), env.baseline.variant("HandwrittenSteps", list)
		f.pattern, h.pattern = p, p
		variants = append(variants, f, h)
	}
	// Warm both sides up so that the first measured round does not pay for
	// caches and connections.
	for _, v := range variants {
		if _, err := measure(ctx, v, env, min(opts.executions, 20), 5, opts.steps); err != nil {
			return nil, fmt.Errorf("warming up %s: %w", v.name, err)
		}
	}
	report := &ThroughputReport{Executions: opts.executions, Steps: opts.steps}
	for _, c := range opts.concurrency {
		for round := 1; round <= opts.rounds; round++ {
			for _, v := range variants {
				r, err := measure(ctx, v, env, opts.executions, c, opts.steps)
				if err != nil {
					return nil, fmt.Errorf("%s %s at concurrency %d: %w", v.name, v.pattern, c, err)
				}
				r.Round = round
				report.Results = append(report.Results, r)
			}
		}
	}
	return report, nil
}

// measure runs n executions of v, c at a time, and times them from the
// first start to the last end.
func measure(ctx context.Context, v variant, env *environment, n, c, steps int) (Result, error) {
	prefix := executionPrefix(v.name, string(v.pattern))
	var (
		mu     sync.Mutex
		starts []time.Duration
	)
	cpuBefore, err := cpuTime(env.stack.pids)
	if err != nil {
		return Result{}, err
	}
	began := time.Now()
	err = forEach(ctx, n, c, func(ctx context.Context, i int) error {
		execution := fmt.Sprintf("%s-%d", prefix, i)
		defer env.fn.forget(execution)
		t0 := time.Now()
		if err := v.start(ctx, execution); err != nil {
			return fmt.Errorf("starting %s: %w", execution, err)
		}
		mu.Lock()
		starts = append(starts, time.Since(t0))
		mu.Unlock()
		// The function says when each step is done; then the execution
		// is asked whether it ended.
		for range steps {
			if _, err := reach(ctx, v, env.fn, execution, 2*time.Minute); err != nil {
				return err
			}
		}
		if err := awaitEnd(ctx, v, execution, pollEvery); err != nil {
			return fmt.Errorf("execution %s: %w", execution, err)
		}
		return nil
	})
	elapsed := time.Since(began)
	if err != nil {
		return Result{}, err
	}
	cpuAfter, err := cpuTime(env.stack.pids)
	if err != nil {
		return Result{}, err
	}
	slices.Sort(starts)
	r := Result{
		Variant: v.name, Pattern: v.pattern, Concurrency: c, Executions: n,
		Seconds:        elapsed.Seconds(),
		StepsPerSecond: float64(n*steps) / elapsed.Seconds(),
		StartP50:       milliseconds(percentile(starts, 50)),
		StartP99:       milliseconds(percentile(starts, 99)),
	}
	if len(env.stack.pids) > 0 {
		r.CPUPerStep = milliseconds(cpuAfter-cpuBefore) / float64(n*steps)
	}
	return r, nil
}

// printThroughput prints, for each pattern and concurrency, the median over
// the rounds of each variant's figures, and fnflow's rate as a share of the
// hand-written workflow's.
func printThroughput(w io.Writer, report *ThroughputReport) {
	type key struct {
		pattern     pattern
		concurrency int
	}
	groups := map[key]map[string][]Result{}
	var keys []key
	for _, r := range report.Results {
		k := key{r.Pattern, r.Concurrency}
		if groups[k] == nil {
			groups[k] = map[string][]Result{}
			keys = append(keys, k)
		}
		groups[k][r.Variant] = append(groups[k][r.Variant], r)
	}
	fmt.Fprintf(w, "throughput: %d executions of %d task steps per variant and round; medians of the rounds (fnflow / hand-written)\n\n", report.Executions, report.Steps)
	fmt.Fprintln(w, "| steps | in flight | steps/s | ratio | start p50 ms | start p99 ms | CPU ms/step |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, k := range keys {
		pair := func(figure func(Result) float64) (float64, float64) {
			return median(groups[k]["fnflow"], figure), median(groups[k]["hand-written"], figure)
		}
		rateF, rateH := pair(func(r Result) float64 { return r.StepsPerSecond })
		p50F, p50H := pair(func(r Result) float64 { return r.StartP50 })
		p99F, p99H := pair(func(r Result) float64 { return r.StartP99 })
		cpuF, cpuH := pair(func(r Result) float64 { return r.CPUPerStep })
		fmt.Fprintf(w, "| %s | %d | %.1f / %.1f | %.2f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |\n",
			k.pattern, k.concurrency, rateF, rateH, rateF/rateH, p50F, p50H, p99F, p99H, cpuF, cpuH)
	}
	fmt.Fprintln(w)
}

// median is the median of a figure of rs.
func median[T any](rs []T, figure func(T) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	values := make([]float64, len(rs))
	for i, r := range rs {
		values[i] = figure(r)
	}
	sort.Float64s(values)
	return values[len(values)/2]
}
