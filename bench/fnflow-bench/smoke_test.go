package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fnflowBinary is `fnflow` built from this checkout once for every test.
var fnflowBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fnflow-bench-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fnflowBinary, err = buildFnflow(context.Background(), dir)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBench runs fnflow-bench with the arguments against a `fnflow dev` of
// its own and returns its report and its printed tables.
func runBench(t *testing.T, args ...string) (Report, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts, err := parseFlags(append([]string{"--fnflow", fnflowBinary}, args...))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report, err := run(ctx, opts, &out)
	if err != nil {
		t.Fatal(err)
	}
	return report, out.String()
}

// TestSmoke runs every scenario as `make bench` does, tiny (--short):
// `fnflow dev` built from this checkout, every variant of each. It checks
// that every execution of every variant ran and that each figure was
// measured, not how fast.
func TestSmoke(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results.json")
	opts, err := parseFlags([]string{"--short", "--json", file})
	if err != nil {
		t.Fatal(err)
	}
	report, _ := runBench(t, "--short")
	if err := writeJSON(opts.jsonFile, report); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var written Report
	if err := json.Unmarshal(data, &written); err != nil {
		t.Fatalf("the JSON does not read back: %v", err)
	}
	if !written.Machine.EmbeddedStack || written.Machine.Cores < 1 {
		t.Errorf("machine %+v", written.Machine)
	}
	if written.Throughput == nil || written.Latency == nil || written.Polling == nil || written.Queue == nil || written.Idle == nil {
		t.Fatalf("a scenario is missing: %+v", written)
	}
	if n := len(written.Queue.Results); n != 3 {
		t.Errorf("the queue scenario measured %d variants, want 3", n)
	}
	for _, r := range written.Queue.Results {
		if r.MessagesPerSecond <= 0 || r.P50 <= 0 {
			t.Errorf("queue: %+v", r)
		}
	}

	seen := map[string]bool{}
	for _, r := range written.Throughput.Results {
		seen[r.Variant+" "+string(r.Pattern)] = true
		if r.Executions != opts.executions || r.StepsPerSecond <= 0 || r.StartP50 <= 0 || r.CPUPerStep <= 0 {
			t.Errorf("throughput %s %s: a figure is missing: %+v", r.Variant, r.Pattern, r)
		}
	}
	for _, want := range []string{"fnflow waitForCallback", "hand-written waitForCallback", "fnflow requestResponse", "hand-written requestResponse"} {
		if !seen[want] {
			t.Errorf("throughput: no result for %s", want)
		}
	}

	if l := written.Latency; l.Executions != opts.latencyExecutions || len(l.Variants) != 2 {
		t.Errorf("latency: %+v", l)
	}
	for _, r := range written.Latency.Variants {
		for _, p := range []Percentiles{r.StartToWaiting, r.CallbackToNext, r.ReportToClosed} {
			if p.P50 <= 0 || p.P90 < p.P50 || p.P99 < p.P90 {
				t.Errorf("latency %s: %+v", r.Variant, r)
			}
		}
	}

	if p := written.Polling; p.Executions != opts.pollingExecutions || len(p.Variants) != 4 {
		t.Errorf("polling: %+v", p)
	}
	for _, r := range written.Polling.Variants {
		// The delay is after the job was done, so never negative; the
		// callback's may round to zero milliseconds.
		if r.DelayP50 < 0 || r.DelayP99 < r.DelayP50 || r.CPUPerExecution <= 0 || r.Seconds < float64(opts.jobSeconds) {
			t.Errorf("polling %s %s: %+v", r.Variant, r.Pattern, r)
		}
		if r.Pattern == "polling" && r.DelayP50 <= 0 {
			t.Errorf("polling %s: a polled job was seen done at once: %+v", r.Variant, r)
		}
		if r.Late != 0 {
			t.Errorf("polling %s %s: %d executions did not keep up", r.Variant, r.Pattern, r.Late)
		}
	}

	if i := written.Idle; i.Executions != opts.idleExecutions || !i.HeapMeasured || len(i.Variants) != 2 {
		t.Errorf("idle: %+v", i)
	}
	for _, r := range written.Idle.Variants {
		// A fresh stack with twenty executions waiting may use less CPU in
		// two seconds than Linux counts (10 ms), and their heap is within
		// the noise of a collection: present, not positive.
		if r.StartSeconds <= 0 || r.ResidentBefore <= 0 || r.ResidentWaiting <= 0 || r.HeapBefore <= 0 ||
			r.HeapWaiting <= 0 || r.CPUMillisecondsPerSecond < 0 || r.CompleteSeconds <= 0 {
			t.Errorf("idle %s: a figure is missing: %+v", r.Variant, r)
		}
	}
}

// TestIdleAlone: the idle scenario on its own runs each set on a `fnflow
// dev` of its own and needs no shared one.
func TestIdleAlone(t *testing.T) {
	before := devStarts.Load()
	report, table := runBench(t, "--short", "--scenarios", "idle")
	if started := devStarts.Load() - before; started != 2 {
		t.Errorf("%d fnflow dev started for the two idle sets, want 2", started)
	}
	if report.Throughput != nil || report.Latency != nil || report.Polling != nil || report.Queue != nil {
		t.Errorf("scenarios not asked for ran: %+v", report)
	}
	if i := report.Idle; i == nil || !i.HeapMeasured || len(i.Variants) != 2 || i.Variants[0].CompleteSeconds <= 0 || i.Variants[1].CompleteSeconds <= 0 {
		t.Fatalf("idle: %+v", report.Idle)
	}
	if !strings.Contains(table, "idle") {
		t.Errorf("no idle table:\n%s", table)
	}
}

// TestPollingThatFallsBehind: a polling loop that asks for the job's status
// only long after the job is done does not keep up. The scenario stops
// such executions, counts them and their delays as lower bounds, and goes
// on to the next turn instead of failing; the callback variants, reported
// at once, keep up.
func TestPollingThatFallsBehind(t *testing.T) {
	report, table := runBench(t, "--short", "--scenarios", "polling", "--polling-executions", "3", "--poll-seconds", "20", "--job-spread-seconds", "0", "--keep-up-seconds", "3")
	p := report.Polling
	if p == nil || len(p.Variants) != 4 || p.KeepUpSeconds != 3 {
		t.Fatalf("polling: %+v", p)
	}
	for _, r := range p.Variants {
		switch {
		case r.Pattern == "polling" && (r.Late != 3 || r.DelayP50 != 3000 || r.DelayP99 != 3000):
			t.Errorf("%s polling: want all 3 late with a delay of the 3 s keep-up, got %+v", r.Variant, r)
		case r.Pattern == "callback" && (r.Late != 0 || r.DelayP99 >= 3000):
			t.Errorf("%s callback: want none late, got %+v", r.Variant, r)
		}
	}
	if !strings.Contains(table, "| polling | > 3000 / > 3000 |") || !strings.Contains(table, "Did not keep up") {
		t.Errorf("the table does not say the polling executions did not keep up:\n%s", table)
	}
}

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"gateway without Temporal": {"--gateway", "http://127.0.0.1:8080"},
		"no executions":            {"--executions", "0"},
		"bad concurrency":          {"--concurrency", "10,x"},
		"unknown scenario":         {"--scenarios", "latency,speed"},
		"no scenario":              {"--scenarios", ","},
		"no idle executions":       {"--idle-executions", "0"},
		"no job":                   {"--job-seconds", "0"},
		"no poll interval":         {"--poll-seconds", "0"},
		"negative keep-up":         {"--keep-up-seconds", "-1"},
		"negative spread":          {"--job-spread-seconds", "-2"},
		"no queue messages":        {"--queue-messages", "0"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	opts, err := parseFlags([]string{"--concurrency", "10, 50", "--pids", "7,8"})
	if err != nil || len(opts.concurrency) != 2 || opts.concurrency[1] != 50 || len(opts.pids) != 2 || len(opts.scenarios) != 5 {
		t.Errorf("got %+v, %v", opts, err)
	}
	opts, err = parseFlags([]string{"--scenarios", "idle, latency", "--short"})
	if err != nil || len(opts.scenarios) != 2 || opts.scenarios[0] != "idle" || opts.idleExecutions != 20 || opts.jobSeconds != 1 {
		t.Errorf("got %+v, %v", opts, err)
	}
	opts, err = parseFlags([]string{"--short", "--polling-executions", "3"})
	if err != nil || opts.pollingExecutions != 3 || opts.pollSeconds != 1 {
		t.Errorf("--short must leave a flag given beside it alone: got %+v, %v", opts, err)
	}
}
