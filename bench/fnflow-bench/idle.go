package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/fnfclient"
)

// The idle scenario: N executions each waiting in one waitForCallback step
// whose token the function holds, fnflow's and then the hand-written
// workflow's, one set after the other, each on a `fnflow dev` of its own on
// the embedded stack (idleOnItsOwn). For each: the time to start them all (first
// start → the last token received), resident memory before and with all
// waiting, the Go heap each waiting execution adds, CPU while all wait for
// --idle-seconds, then the time to complete all (first report → the last
// execution seen ended).
//
// Both variants count the same processes: `fnflow dev` (or --pids) and
// fnflow-bench itself, since the hand-written worker lives here and the
// function holds both variants' tokens here. The heap is read after a
// collection: `fnflow dev`'s from its profiles, fnflow-bench's from the
// runtime; against a running stack it is not measured.

const idleFlow = "bench-idle"

// idleStarters is how many executions are being started, or completed, at
// once.
const idleStarters = 20

// IdleReport is the idle scenario's figures.
type IdleReport struct {
	Executions  int
	IdleSeconds int
	// HeapMeasured is false against a running stack, whose heap the
	// benchmark cannot read: the Heap figures are then zero.
	HeapMeasured bool
	Variants     []IdleResult
}

// IdleResult is one variant's set of waiting executions. Memory is in MiB
// but for the heap per execution, in KiB.
type IdleResult struct {
	Variant                  string
	StartSeconds             float64
	ResidentBefore           float64
	ResidentWaiting          float64
	HeapBefore, HeapWaiting  float64
	HeapPerExecutionKiB      float64
	ResidentPerExecutionKiB  float64
	CPUMillisecondsPerSecond float64
	CompleteSeconds          float64
}

// memory is a reading of the counted processes' memory, in bytes.
type memory struct{ resident, heap int64 }

func runIdle(ctx context.Context, opts options, fn *function, shared func() (*environment, error), logger *slog.Logger) (*IdleReport, error) {
	list := steps(1, "waitForCallback", "hold")
	// Only a `fnflow dev` of the benchmark's own serves the profiles the heap
	// is read from.
	report := &IdleReport{Executions: opts.idleExecutions, IdleSeconds: opts.idleSeconds, HeapMeasured: opts.gateway == ""}
	sets := []func(*environment) variant{
		func(e *environment) variant { return fnflowVariant(e.stack.gateway, idleFlow) },
		func(e *environment) variant { return e.baseline.variant("HandwrittenSteps", list) },
	}
	// The function reports through the environment started last: give it
	// back to whatever it reported through before.
	defer func(gateway *fnfclient.Client, temporal client.Client) { fn.gateway, fn.temporal = gateway, temporal }(fn.gateway, fn.temporal)
	for _, set := range sets {
		r, err := idleOnItsOwn(ctx, opts, fn, shared, logger, func(e *environment) (IdleResult, error) {
			if err := deployFlow(ctx, e.stack.gateway, idleFlow, stepsFlow(list)); err != nil {
				return IdleResult{}, err
			}
			counted := append(slices.Clone(e.stack.pids), os.Getpid())
			return idleSet(ctx, set(e), e, counted, opts)
		})
		if err != nil {
			return nil, err
		}
		report.Variants = append(report.Variants, r)
	}
	return report, nil
}

// idleOnItsOwn runs one set. On the embedded stack each set gets a `fnflow
// dev` of its own, started afresh: a server keeps the memory its caches and
// tables grew to for a set before, so a second set on it would be measured
// against more than the first (20–40 KiB an execution), and the shared one
// is not started for it. A running stack is what it is: both sets run on it.
func idleOnItsOwn(ctx context.Context, opts options, fn *function, shared func() (*environment, error), logger *slog.Logger, measure func(*environment) (IdleResult, error)) (IdleResult, error) {
	var e *environment
	if opts.gateway == "" {
		fresh, err := startEnvironment(ctx, opts, fn, logger)
		if err != nil {
			return IdleResult{}, fmt.Errorf("starting a fnflow dev for the set: %w", err)
		}
		defer fresh.stop()
		e = fresh
	} else {
		var err error
		if e, err = shared(); err != nil {
			return IdleResult{}, err
		}
	}
	r, err := measure(e)
	if err != nil {
		return r, fmt.Errorf("%s: %w", r.Variant, err)
	}
	return r, nil
}

// idleSet runs one variant's set of waiting executions.
func idleSet(ctx context.Context, v variant, env *environment, counted []int, opts options) (IdleResult, error) {
	n := opts.idleExecutions
	r := IdleResult{Variant: v.name}
	before, err := readMemory(ctx, env.stack.pprof, counted)
	if err != nil {
		return r, err
	}
	prefix := executionPrefix("idle", v.name)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	defer func() {
		for _, execution := range names {
			env.fn.forget(execution)
		}
	}()
	began := time.Now()
	if err := forEach(ctx, n, idleStarters, func(ctx context.Context, i int) error {
		if err := v.start(ctx, names[i]); err != nil {
			return fmt.Errorf("starting %s: %w", names[i], err)
		}
		return nil
	}); err != nil {
		return r, err
	}
	held := make([]arrival, n)
	for i, execution := range names {
		if held[i], err = reach(ctx, v, env.fn, execution, 10*time.Minute); err != nil {
			return r, err
		}
	}
	r.StartSeconds = time.Since(began).Seconds()
	waiting, err := readMemory(ctx, env.stack.pprof, counted)
	if err != nil {
		return r, err
	}
	cpuBefore, err := cpuTime(counted)
	if err != nil {
		return r, err
	}
	select {
	case <-ctx.Done():
		return r, ctx.Err()
	case <-time.After(time.Duration(opts.idleSeconds) * time.Second):
	}
	cpuAfter, err := cpuTime(counted)
	if err != nil {
		return r, err
	}
	began = time.Now()
	if err := forEach(ctx, n, idleStarters, func(ctx context.Context, i int) error {
		if err := held[i].report(ctx); err != nil {
			return fmt.Errorf("reporting %s: %w", names[i], err)
		}
		if err := awaitEnd(ctx, v, names[i], pollEvery); err != nil {
			return fmt.Errorf("execution %s: %w", names[i], err)
		}
		return nil
	}); err != nil {
		return r, err
	}
	r.CompleteSeconds = time.Since(began).Seconds()
	const mib, kib = 1 << 20, 1 << 10
	r.ResidentBefore, r.ResidentWaiting = float64(before.resident)/mib, float64(waiting.resident)/mib
	r.ResidentPerExecutionKiB = float64(waiting.resident-before.resident) / kib / float64(n)
	if env.stack.pprof != "" {
		r.HeapBefore, r.HeapWaiting = float64(before.heap)/mib, float64(waiting.heap)/mib
		r.HeapPerExecutionKiB = float64(waiting.heap-before.heap) / kib / float64(n)
	}
	r.CPUMillisecondsPerSecond = milliseconds(cpuAfter-cpuBefore) / float64(opts.idleSeconds)
	return r, nil
}

// readMemory reads the counted processes' resident memory and, with a
// profiling address, the heap of `fnflow dev` and of fnflow-bench.
func readMemory(ctx context.Context, pprof string, counted []int) (memory, error) {
	var m memory
	var err error
	if pprof != "" {
		if m.heap, err = devHeap(ctx, pprof); err != nil {
			return m, err
		}
		m.heap += ownHeap()
	}
	m.resident, err = residentMemory(counted)
	return m, err
}

func printIdle(w io.Writer, report *IdleReport) {
	fmt.Fprintf(w, "idle: %d executions per variant waiting in a callback step, CPU over %d s (fnflow / hand-written; counted: the stack and fnflow-bench)\n\n",
		report.Executions, report.IdleSeconds)
	if !report.HeapMeasured {
		fmt.Fprintln(w, "The heap is not measured against a running stack.")
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "| figure | fnflow / hand-written | ratio |")
	fmt.Fprintln(w, "|---|---|---|")
	f, h := report.Variants[0], report.Variants[1]
	row := func(name string, f, h float64) {
		fmt.Fprintf(w, "| %s | %.1f / %.1f | %.2f |\n", name, f, h, f/h)
	}
	row("start all, s", f.StartSeconds, h.StartSeconds)
	row("resident before, MiB", f.ResidentBefore, h.ResidentBefore)
	row("resident with all waiting, MiB", f.ResidentWaiting, h.ResidentWaiting)
	row("resident per waiting execution, KiB", f.ResidentPerExecutionKiB, h.ResidentPerExecutionKiB)
	if report.HeapMeasured {
		row("heap before, MiB", f.HeapBefore, h.HeapBefore)
		row("heap with all waiting, MiB", f.HeapWaiting, h.HeapWaiting)
		row("heap per waiting execution, KiB", f.HeapPerExecutionKiB, h.HeapPerExecutionKiB)
	}
	row("CPU while waiting, ms/s", f.CPUMillisecondsPerSecond, h.CPUMillisecondsPerSecond)
	perExecution := 1000 / float64(report.Executions)
	row("CPU while waiting, µs/s per execution", f.CPUMillisecondsPerSecond*perExecution, h.CPUMillisecondsPerSecond*perExecution)
	row("complete all, s", f.CompleteSeconds, h.CompleteSeconds)
	fmt.Fprintln(w)
}
