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

// measure runs n executions of v, c at a time, and times them from the
// first start to the last end.
func measure(ctx context.Context, v variant, fn *function, pids []int, n, c, steps int) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prefix := fmt.Sprintf("%s-%s-%d", strings.ReplaceAll(v.name, "-", ""), strings.ToLower(string(v.pattern)), time.Now().UnixNano())
	work := make(chan int)
	var (
		mu       sync.Mutex
		starts   []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	cpuBefore, err := cpuTime(pids)
	if err != nil {
		return Result{}, err
	}
	began := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				execution := fmt.Sprintf("%s-%d", prefix, i)
				if err := runOne(ctx, v, fn, execution, steps, func(d time.Duration) {
					mu.Lock()
					starts = append(starts, d)
					mu.Unlock()
				}); err != nil {
					fail(fmt.Errorf("execution %s: %w", execution, err))
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(began)
	if firstErr != nil {
		return Result{}, firstErr
	}
	cpuAfter, err := cpuTime(pids)
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
	if len(pids) > 0 {
		r.CPUPerStep = milliseconds(cpuAfter-cpuBefore) / float64(n*steps)
	}
	return r, nil
}

// runOne starts one execution, waits until the function has seen all its
// steps done, then until the execution says it ended.
func runOne(ctx context.Context, v variant, fn *function, execution string, steps int, started func(time.Duration)) error {
	done := fn.steps(execution)
	defer fn.forget(execution)
	t0 := time.Now()
	if err := v.start(ctx, execution); err != nil {
		return fmt.Errorf("starting: %w", err)
	}
	started(time.Since(t0))
	for range steps {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("a step was not done within two minutes")
		}
	}
	for {
		ended, err := v.ended(ctx, execution)
		if err != nil || ended {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// printTable prints, for each pattern and concurrency, the median over the
// rounds of each variant's figures, and fnflow's rate as a share of the
// hand-written workflow's.
func printTable(w io.Writer, report Report) {
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
}

func median(rs []Result, figure func(Result) float64) float64 {
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
