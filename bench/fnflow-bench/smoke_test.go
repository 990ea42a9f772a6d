package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSmoke runs the throughput scenario as `make bench` does, tiny
// (--short): `fnflow dev` built from this checkout, both patterns, both
// variants. It checks that every execution of every variant ran and that
// each figure was measured, not how fast.
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
	seen := map[string]bool{}
	for _, r := range written.Results {
		seen[r.Variant+" "+string(r.Pattern)] = true
		if r.Executions != opts.executions || r.StepsPerSecond <= 0 || r.StartP50 <= 0 || r.CPUPerStep <= 0 {
			t.Errorf("%s %s: a figure is missing: %+v", r.Variant, r.Pattern, r)
		}
	}
	for _, want := range []string{"fnflow waitForCallback", "hand-written waitForCallback", "fnflow requestResponse", "hand-written requestResponse"} {
		if !seen[want] {
			t.Errorf("no result for %s", want)
		}
	}
	if !written.Machine.EmbeddedStack || written.Machine.Cores < 1 {
		t.Errorf("machine %+v", written.Machine)
	}
}

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"gateway without Temporal": {"--gateway", "http://127.0.0.1:8080"},
		"no executions":            {"--executions", "0"},
		"bad concurrency":          {"--concurrency", "10,x"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	opts, err := parseFlags([]string{"--concurrency", "10, 50", "--pids", "7,8"})
	if err != nil || len(opts.concurrency) != 2 || opts.concurrency[1] != 50 || len(opts.pids) != 2 {
		t.Errorf("got %+v, %v", opts, err)
	}
}
