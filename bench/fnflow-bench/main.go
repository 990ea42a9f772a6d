// Command fnflow-bench measures fnflow's throughput through its HTTP API
// against a hand-written Temporal workflow doing the same work on the same
// Temporal server, in turns, and prints the ratio (docs/benchmarks.md, "The
// throughput scenario").
//
//	go run ./bench/fnflow-bench                      # starts `fnflow dev` itself
//	go run ./bench/fnflow-bench --gateway URL --temporal-address HOST:PORT
//
// It is the load generator and the "function" in one: the flow's task
// steps call its HTTP function, which for a waitForCallback step reports
// the token at once through the gateway (ReportTaskSucceeded), as a worker
// of the managed service would. The baseline's activities call the same
// function, which completes them through Temporal (CompleteActivity).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type options struct {
	fnflowBinary    string
	functionAddr    string
	gateway         string
	temporalAddress string
	namespace       string
	accessKeyID     string
	accessKeySecret string
	pids            []int
	executions      int
	concurrency     []int
	rounds          int
	steps           int
	jsonFile        string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fnflow-bench:", err)
		os.Exit(2)
	}
	report, err := run(ctx, opts, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fnflow-bench:", err)
		os.Exit(1)
	}
	if opts.jsonFile != "" {
		if err := writeJSON(opts.jsonFile, report); err != nil {
			fmt.Fprintln(os.Stderr, "fnflow-bench:", err)
			os.Exit(1)
		}
	}
}

func parseFlags(args []string) (options, error) {
	var opts options
	var concurrency, pids string
	var short bool
	fs := flag.NewFlagSet("fnflow-bench", flag.ContinueOnError)
	fs.StringVar(&opts.fnflowBinary, "fnflow", "", "the fnflow binary to run `fnflow dev` with; built from this checkout when empty (not with --gateway)")
	fs.StringVar(&opts.functionAddr, "function-addr", "127.0.0.1:0", "where the function listens; a running stack's workers must bind "+functionResource+" to http://ADDR/invoke")
	fs.StringVar(&opts.gateway, "gateway", "", "URL of a running gateway; with --temporal-address, measure that stack instead of starting `fnflow dev`")
	fs.StringVar(&opts.temporalAddress, "temporal-address", "", "the Temporal frontend the gateway's workers use (the baseline runs there)")
	fs.StringVar(&opts.namespace, "namespace", "default", "Temporal namespace of the running stack")
	fs.StringVar(&opts.accessKeyID, "access-key-id", "", "access key to sign the gateway requests with")
	fs.StringVar(&opts.accessKeySecret, "access-key-secret", "", "its secret")
	fs.StringVar(&pids, "pids", "", "comma-separated process IDs whose CPU time to count (a running stack's server, workers and gateway)")
	fs.IntVar(&opts.executions, "executions", 300, "executions per variant, round and concurrency")
	fs.StringVar(&concurrency, "concurrency", "10,50,200", "comma-separated numbers of executions in flight")
	fs.IntVar(&opts.rounds, "rounds", 3, "turns each variant takes at each concurrency")
	fs.IntVar(&opts.steps, "steps", 5, "task steps per execution")
	fs.StringVar(&opts.jsonFile, "json", "", "also write every figure to this file as JSON")
	fs.BoolVar(&short, "short", false, "a smoke run: a few executions, concurrency 2, one round (checks that it works, not its speed)")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if short {
		opts.executions, concurrency, opts.rounds = 6, "2", 1
	}
	var err error
	if opts.concurrency, err = intList(concurrency); err != nil {
		return opts, fmt.Errorf("--concurrency: %w", err)
	}
	if opts.pids, err = intList(pids); err != nil {
		return opts, fmt.Errorf("--pids: %w", err)
	}
	if (opts.gateway == "") != (opts.temporalAddress == "") {
		return opts, fmt.Errorf("--gateway and --temporal-address go together")
	}
	if opts.executions < 1 || opts.rounds < 1 || opts.steps < 1 {
		return opts, fmt.Errorf("--executions, --rounds and --steps must be positive")
	}
	return opts, nil
}

func intList(text string) ([]int, error) {
	var list []int
	for _, field := range strings.Split(text, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", field)
		}
		list = append(list, n)
	}
	return list, nil
}

// Report is everything a run measured, as --json writes it.
type Report struct {
	Date       time.Time
	Machine    Machine
	Executions int
	Steps      int
	Results    []Result
}

// Machine says where the figures come from.
type Machine struct {
	CPU           string
	Cores         int
	GoVersion     string
	EmbeddedStack bool
}

func run(ctx context.Context, opts options, stdout io.Writer) (Report, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fn, err := startFunction(opts.functionAddr, logger)
	if err != nil {
		return Report{}, err
	}
	defer fn.close()
	target, err := reachStack(ctx, opts, fn, logger)
	if err != nil {
		return Report{}, err
	}
	defer target.stop()
	baseline, err := startBaseline(target.temporal, fn)
	if err != nil {
		return Report{}, err
	}
	defer baseline.stop()
	if err := deployFlows(ctx, target.gateway, opts.steps); err != nil {
		return Report{}, err
	}
	report := Report{Date: time.Now().UTC(), Executions: opts.executions, Steps: opts.steps,
		Machine: Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), GoVersion: runtime.Version(), EmbeddedStack: opts.gateway == ""}}
	variants := []variant{
		fnflowVariant(target.gateway, pattern("waitForCallback")),
		baseline.variant(pattern("waitForCallback"), opts.steps),
		fnflowVariant(target.gateway, pattern("requestResponse")),
		baseline.variant(pattern("requestResponse"), opts.steps),
	}
	// Warm both sides up so that the first measured round does not pay for
	// caches and connections.
	for _, v := range variants {
		if _, err := measure(ctx, v, fn, target.pids, min(opts.executions, 20), 5, opts.steps); err != nil {
			return Report{}, fmt.Errorf("warming up %s: %w", v.name, err)
		}
	}
	for _, c := range opts.concurrency {
		for round := 1; round <= opts.rounds; round++ {
			for _, v := range variants {
				r, err := measure(ctx, v, fn, target.pids, opts.executions, c, opts.steps)
				if err != nil {
					return Report{}, fmt.Errorf("%s at concurrency %d: %w", v.name, c, err)
				}
				r.Round = round
				report.Results = append(report.Results, r)
			}
		}
	}
	printTable(stdout, report)
	return report, nil
}

func writeJSON(file string, report Report) error {
	data, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}
