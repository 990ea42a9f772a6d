package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The polling-vs-callback scenario: the same long job, which the function
// runs for --job-seconds, watched four ways, N executions waiting at once:
//
//   - fnflow polling: a requestResponse task starts the job and returns its
//     id, then a loop of `wait` (--poll-seconds), a requestResponse task
//     asking the job's status and a `choice` that `goto`s back to the wait
//     until done, the loop the managed service's samples use;
//   - fnflow callback: a waitForCallback task starts the job, and the
//     function reports its token when the job is done;
//   - hand-written polling: an activity starts the job, then a loop of
//     workflow.Sleep and a status activity;
//   - hand-written callback: an activity starts the job and returns
//     ErrResultPending; the function completes it when the job is done.
//
// The jobs run once every execution has started its job, so that all N
// wait at once for the whole job however long the starts take, and they
// end spread evenly over --job-spread-seconds (one poll interval). Each flow
// ends with one more requestResponse task: the delay is from the job done
// to that task's call reaching the function. CPU per execution is
// that of the counted processes and of fnflow-bench itself (the hand-written
// worker lives there, and the function serves both variants' calls alike)
// over the turn, from the first start to the last end.
//
// Polling asks the server for work for as long as the job runs, and a
// server asked for more than it can do falls behind: an execution that has
// not gone on within keepUp of its job's end did not keep up. Its delay
// counts as keepUp (the percentiles it reaches are lower bounds), and it is
// stopped, so that the next turn runs on a server that is not still busy
// with this one.

const (
	pollingFlow  = "bench-polling"
	callbackFlow = "bench-callback-job"
)

// pollingStarters is how many executions are being started at once.
const pollingStarters = 20

// PollingReport is the polling scenario's figures.
type PollingReport struct {
	Executions          int
	JobSeconds          int
	PollIntervalSeconds float64
	// JobSpreadSeconds is how far apart the first and the last job ended.
	JobSpreadSeconds float64
	// KeepUpSeconds is how long after its job's end an execution may take
	// to go on before it counts as not keeping up.
	KeepUpSeconds float64
	Variants      []PollingResult
}

// PollingResult is one variant's turn.
type PollingResult struct {
	Variant string
	// Pattern is polling or callback.
	Pattern string
	Seconds float64
	// DelayP50 and DelayP99 are from the job done to the next step's call
	// reaching the function, in milliseconds.
	DelayP50, DelayP99 float64
	// CPUPerExecution is in milliseconds.
	CPUPerExecution float64
	// Late is how many executions did not keep up.
	Late int
}

// pollingDefinition is the FDL polling loop, waiting interval between two
// status calls.
func pollingDefinition(interval time.Duration) string {
	var def strings.Builder
	def.WriteString("version: v1\ntype: flow\nsteps:\n")
	taskStep(&def, "startJob", step{"requestResponse", "job"}, "    outputMappings:\n      - target: job\n        source: $local.job\n")
	fmt.Fprintf(&def, "  - type: wait\n    name: pause\n    duration: %d\n", int(interval/time.Second))
	// A step's inputMappings read its parent's local, the union of its
	// siblings' outputs: the job's id from startJob.
	taskStep(&def, "jobStatus", step{"requestResponse", "status"}, "      - target: job\n        source: $local.job\n    outputMappings:\n      - target: done\n        source: $local.done\n")
	def.WriteString("  - type: choice\n    name: jobDone\n    choices:\n      - condition: $.done == false\n        goto: pause\n")
	taskStep(&def, "after", step{"requestResponse", ""}, "")
	return def.String()
}

func runPolling(ctx context.Context, opts options, env *environment) (*PollingReport, error) {
	env.fn.job = time.Duration(opts.jobSeconds) * time.Second
	interval := time.Duration(opts.pollSeconds) * time.Second
	// By default the jobs end over one poll interval, so that a poll finds
	// about as many done as the one before, and the reports come at the
	// rate the polls do, not all in one instant.
	env.fn.jobSpread = time.Duration(opts.jobSpreadSeconds) * time.Second
	keepUp := time.Duration(opts.keepUpSeconds) * time.Second
	callbackSteps := []step{{"waitForCallback", "job"}, {"requestResponse", ""}}
	if err := deployFlow(ctx, env.stack.gateway, pollingFlow, pollingDefinition(interval)); err != nil {
		return nil, err
	}
	if err := deployFlow(ctx, env.stack.gateway, callbackFlow, stepsFlow(callbackSteps)); err != nil {
		return nil, err
	}
	turns := []struct {
		pattern string
		variant variant
	}{
		{"polling", fnflowVariant(env.stack.gateway, pollingFlow)},
		{"polling", env.baseline.variant("HandwrittenPolling", interval)},
		{"callback", fnflowVariant(env.stack.gateway, callbackFlow)},
		{"callback", env.baseline.variant("HandwrittenSteps", callbackSteps)},
	}
	counted := append(slices.Clone(env.stack.pids), os.Getpid())
	report := &PollingReport{Executions: opts.pollingExecutions, JobSeconds: opts.jobSeconds,
		PollIntervalSeconds: interval.Seconds(), JobSpreadSeconds: env.fn.jobSpread.Seconds(), KeepUpSeconds: keepUp.Seconds()}
	for _, turn := range turns {
		r, err := watchJobs(ctx, turn.variant, env.fn, counted, opts.pollingExecutions, keepUp)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", turn.variant.name, turn.pattern, err)
		}
		r.Pattern = turn.pattern
		report.Variants = append(report.Variants, r)
	}
	return report, nil
}

// watchJobs starts n executions of v, all at once but for the starters'
// pace, runs their jobs once all have started one, and waits for each to
// reach the step after its job and end, or stops it once it is keepUp late.
func watchJobs(ctx context.Context, v variant, fn *function, counted []int, n int, keepUp time.Duration) (PollingResult, error) {
	prefix := executionPrefix("polling", v.name)
	var (
		mu     sync.Mutex
		delays []time.Duration
		late   int
	)
	cpuBefore, err := cpuTime(counted)
	if err != nil {
		return PollingResult{}, err
	}
	var started atomic.Int64
	running := make(chan struct{})
	began := time.Now()
	// Every execution needs a goroutine of its own to wait on it while
	// they all wait at once; only the starts are paced.
	starters := make(chan struct{}, pollingStarters)
	err = forEach(ctx, n, n, func(ctx context.Context, i int) error {
		execution := fmt.Sprintf("%s-%d", prefix, i)
		defer fn.forget(execution)
		starters <- struct{}{}
		err := v.start(ctx, execution)
		<-starters
		if err != nil {
			return fmt.Errorf("starting %s: %w", execution, err)
		}
		if _, err := reach(ctx, v, fn, execution, 10*time.Minute); err != nil {
			return fmt.Errorf("starting the job: %w", err)
		}
		if started.Add(1) == int64(n) {
			fn.runJobs()
			close(running)
		}
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
		done, ok := fn.jobDone(execution)
		if !ok {
			return fmt.Errorf("execution %s has no job running", execution)
		}
		resumed, err := fn.next(ctx, execution, time.Until(done.Add(keepUp)))
		if err != nil && ctx.Err() == nil {
			if ended, why := v.ended(ctx, execution); ended {
				return fmt.Errorf("execution %s ended before going on: %w", execution, why)
			}
			mu.Lock()
			delays, late = append(delays, keepUp), late+1
			mu.Unlock()
			if err := v.stop(ctx, execution); err != nil {
				return fmt.Errorf("stopping execution %s, which did not keep up: %w", execution, err)
			}
			return nil
		}
		if err != nil {
			return err
		}
		mu.Lock()
		delays = append(delays, resumed.at.Sub(done))
		mu.Unlock()
		if err := awaitEnd(ctx, v, execution, pollEvery); err != nil {
			return fmt.Errorf("execution %s: %w", execution, err)
		}
		return nil
	})
	elapsed := time.Since(began)
	if err != nil {
		return PollingResult{}, err
	}
	cpuAfter, err := cpuTime(counted)
	if err != nil {
		return PollingResult{}, err
	}
	slices.Sort(delays)
	return PollingResult{Variant: v.name, Seconds: elapsed.Seconds(),
		DelayP50: milliseconds(percentile(delays, 50)), DelayP99: milliseconds(percentile(delays, 99)),
		CPUPerExecution: milliseconds(cpuAfter-cpuBefore) / float64(n), Late: late}, nil
}

func printPolling(w io.Writer, report *PollingReport) {
	fmt.Fprintf(w, "polling vs callback: %d executions per variant waiting at once on a %d s job, polled every %.0f s; delay = job done → next step's call (fnflow / hand-written)\n\n",
		report.Executions, report.JobSeconds, report.PollIntervalSeconds)
	fmt.Fprintln(w, "| watched by | delay p50 ms | ratio | delay p99 ms | ratio | CPU ms/execution | ratio | turn s | did not keep up |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	byKey := map[string]PollingResult{}
	for _, r := range report.Variants {
		byKey[r.Variant+" "+r.Pattern] = r
	}
	// A delay of keepUp is one that did not keep up: a lower bound.
	delay := func(ms float64) string {
		if ms >= report.KeepUpSeconds*1000 {
			return fmt.Sprintf("> %.0f", ms)
		}
		return fmt.Sprintf("%.1f", ms)
	}
	row := func(name string, f, h PollingResult) {
		fmt.Fprintf(w, "| %s | %s / %s | %.2f | %s / %s | %.2f | %.1f / %.1f | %.2f | %.1f / %.1f | %d / %d |\n", name,
			delay(f.DelayP50), delay(h.DelayP50), f.DelayP50/h.DelayP50, delay(f.DelayP99), delay(h.DelayP99), f.DelayP99/h.DelayP99,
			f.CPUPerExecution, h.CPUPerExecution, f.CPUPerExecution/h.CPUPerExecution, f.Seconds, h.Seconds, f.Late, h.Late)
	}
	for _, p := range []string{"polling", "callback"} {
		row(p, byKey["fnflow "+p], byKey["hand-written "+p])
	}
	fmt.Fprintln(w, "\n| polling / callback | delay p50 | delay p99 | CPU per execution |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, v := range []string{"fnflow", "hand-written"} {
		p, c := byKey[v+" polling"], byKey[v+" callback"]
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f |\n", v, p.DelayP50/c.DelayP50, p.DelayP99/c.DelayP99, p.CPUPerExecution/c.CPUPerExecution)
	}
	for _, r := range report.Variants {
		if r.Late > 0 {
			fmt.Fprintf(w, "\nDid not keep up: an execution not gone on %.0f s after its job's end was stopped, its delay counted as %.0f s; a delay marked > is a lower bound, and so is a ratio it enters.\n",
				report.KeepUpSeconds, report.KeepUpSeconds)
			break
		}
	}
	fmt.Fprintln(w)
}
