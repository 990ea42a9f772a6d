package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSmoke runs every scenario as `make bench` does, tiny (--short):
// `fnflow dev` built from this checkout, every variant of each. It checks
// that every execution of every variant ran and that each figure was
// measured, not how fast.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	file := filepath.Join(t.TempDir(), "results.json")
	opts, err := parseFlags([]string{"--short", "--json", file})
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	report, err := run(ctx, opts, out)
	if err != nil {
		t.Fatal(err)
	}
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
	if written.Throughput == nil || written.Latency == nil || written.Polling == nil || written.Idle == nil {
		t.Fatalf("a scenario is missing: %+v", written)
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

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"gateway without Temporal": {"--gateway", "http://127.0.0.1:8080"},
		"no executions":            {"--executions", "0"},
		"bad concurrency":          {"--concurrency", "10,x"},
		"unknown scenario":         {"--scenarios", "latency,speed"},
		"no scenario":              {"--scenarios", ","},
		"no idle executions":       {"--idle-executions", "0"},
		"no job":                   {"--job-seconds", "0"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	opts, err := parseFlags([]string{"--concurrency", "10, 50", "--pids", "7,8"})
	if err != nil || len(opts.concurrency) != 2 || opts.concurrency[1] != 50 || len(opts.pids) != 2 || len(opts.scenarios) != 4 {
		t.Errorf("got %+v, %v", opts, err)
	}
	opts, err = parseFlags([]string{"--scenarios", "idle, latency", "--short"})
	if err != nil || len(opts.scenarios) != 2 || opts.scenarios[0] != "idle" || opts.idleExecutions != 20 || opts.jobSeconds != 1 {
		t.Errorf("got %+v, %v", opts, err)
	}
}
