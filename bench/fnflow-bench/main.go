// Command fnflow-bench runs the benchmark scenarios of docs/benchmarks.md
// ("The scenarios over the HTTP API") against fnflow through its HTTP API
// and, in the same run on the same Temporal server, against hand-written
// Temporal workflows doing the same work, and prints the ratios:
//
//   - throughput: executions of five task steps, N in flight;
//
//   - latency: one execution at a time, start → waiting, callback → next
//     step, report → closed;
//
//   - polling: a long job watched by a polling loop and by a callback;
//
//   - queue: messages through an MNS queue, sent, received and deleted;
//
//   - idle: many executions waiting on a callback, their memory and CPU.
//
//     go run ./bench/fnflow-bench                      # starts `fnflow dev` itself
//     go run ./bench/fnflow-bench --gateway URL --temporal-address HOST:PORT
//
// It is the load generator and the "function" in one: the flows' task
// steps call its HTTP function (function.go), which reports waitForCallback
// tokens through the gateway (ReportTaskSucceeded), as a worker of the
// managed service would. The baseline's activities call the same function,
// which completes them through Temporal (CompleteActivity).
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
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenarios are the scenarios in the order a run takes them.
var scenarios = []string{"throughput", "latency", "polling", "queue", "idle"}

type options struct {
	scenarios       []string
	fnflowBinary    string
	functionAddr    string
	gateway         string
	temporalAddress string
	namespace       string
	accessKeyID     string
	accessKeySecret string
	pids            []int
	jsonFile        string

	// throughput
	executions  int
	concurrency []int
	rounds      int
	steps       int
	// latency
	latencyExecutions int
	// polling
	pollingExecutions int
	jobSeconds        int
	pollSeconds       int
	keepUpSeconds     int
	jobSpreadSeconds  int
	// queue
	queueMessages, queueRounds int
	// idle
	idleExecutions int
	idleSeconds    int
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
	var names, concurrency, pids string
	var short bool
	fs := flag.NewFlagSet("fnflow-bench", flag.ContinueOnError)
	fs.StringVar(&names, "scenarios", strings.Join(scenarios, ","), "comma-separated scenarios to run: "+strings.Join(scenarios, ", "))
	fs.StringVar(&opts.fnflowBinary, "fnflow", "", "the fnflow binary to run `fnflow dev` with; built from this checkout when empty (not with --gateway)")
	fs.StringVar(&opts.functionAddr, "function-addr", "127.0.0.1:0", "where the function listens; a running stack's workers must bind "+functionResource+" to http://ADDR/invoke")
	fs.StringVar(&opts.gateway, "gateway", "", "URL of a running gateway; with --temporal-address, measure that stack instead of starting `fnflow dev`")
	fs.StringVar(&opts.temporalAddress, "temporal-address", "", "the Temporal frontend the gateway's workers use (the baseline runs there)")
	fs.StringVar(&opts.namespace, "namespace", "default", "Temporal namespace of the running stack")
	fs.StringVar(&opts.accessKeyID, "access-key-id", "", "access key to sign the gateway requests with")
	fs.StringVar(&opts.accessKeySecret, "access-key-secret", "", "its secret")
	fs.StringVar(&pids, "pids", "", "comma-separated process IDs whose CPU time and memory to count (a running stack's server, workers and gateway)")
	fs.StringVar(&opts.jsonFile, "json", "", "also write every figure to this file as JSON")
	fs.IntVar(&opts.executions, "executions", 300, "throughput: executions per variant, round and concurrency")
	fs.StringVar(&concurrency, "concurrency", "10,50,200", "throughput: comma-separated numbers of executions in flight")
	fs.IntVar(&opts.rounds, "rounds", 3, "throughput: turns each variant takes at each concurrency")
	fs.IntVar(&opts.steps, "steps", 5, "throughput: task steps per execution")
	fs.IntVar(&opts.latencyExecutions, "latency-executions", 200, "latency: executions per variant, one at a time")
	fs.IntVar(&opts.pollingExecutions, "polling-executions", 1000, "polling: executions per variant, all waiting at once")
	fs.IntVar(&opts.jobSeconds, "job-seconds", 60, "polling: how long the long job runs")
	fs.IntVar(&opts.pollSeconds, "poll-seconds", 30, "polling: how long the polling loops wait between two status calls")
	fs.IntVar(&opts.jobSpreadSeconds, "job-spread-seconds", -1, "polling: the jobs end spread evenly over this many seconds, as independent jobs would (-1: one --poll-seconds)")
	fs.IntVar(&opts.keepUpSeconds, "keep-up-seconds", 0, "polling: how long after its job's end an execution may take to go on before it is stopped as not keeping up (0: twice --poll-seconds and a minute)")
	fs.IntVar(&opts.queueMessages, "queue-messages", 1000, "queue: messages per variant and round")
	fs.IntVar(&opts.queueRounds, "queue-rounds", 3, "queue: turns each variant takes")
	fs.IntVar(&opts.idleExecutions, "idle-executions", 10000, "idle: executions per variant waiting at once")
	fs.IntVar(&opts.idleSeconds, "idle-seconds", 60, "idle: how long their CPU is counted while all wait")
	fs.BoolVar(&short, "short", false, "a smoke run of every scenario, a few seconds each (checks that it works, not its speed); sizes what other flags leave unset")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if short {
		// --short sizes what the command line leaves to the defaults.
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for name, value := range map[string]string{
			"executions": "6", "concurrency": "2", "rounds": "1", "latency-executions": "3",
			"polling-executions": "10", "job-seconds": "1", "poll-seconds": "1", "queue-messages": "20", "queue-rounds": "1",
			"idle-executions": "20", "idle-seconds": "2",
		} {
			if !given[name] {
				if err := fs.Set(name, value); err != nil {
					return opts, err
				}
			}
		}
	}
	for _, name := range strings.Split(names, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !slices.Contains(scenarios, name) {
			return opts, fmt.Errorf("--scenarios: no scenario %q (%s)", name, strings.Join(scenarios, ", "))
		}
		opts.scenarios = append(opts.scenarios, name)
	}
	if len(opts.scenarios) == 0 {
		return opts, fmt.Errorf("--scenarios names none")
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
	switch {
	case opts.keepUpSeconds == 0:
		opts.keepUpSeconds = 2*opts.pollSeconds + 60
	case opts.keepUpSeconds < 0:
		return opts, fmt.Errorf("--keep-up-seconds must not be negative")
	}
	switch {
	case opts.jobSpreadSeconds == -1:
		opts.jobSpreadSeconds = opts.pollSeconds
	case opts.jobSpreadSeconds < 0:
		return opts, fmt.Errorf("--job-spread-seconds must be -1 (one poll interval) or more")
	}
	for name, n := range map[string]int{
		"--executions": opts.executions, "--rounds": opts.rounds, "--steps": opts.steps,
		"--latency-executions": opts.latencyExecutions, "--polling-executions": opts.pollingExecutions,
		"--job-seconds": opts.jobSeconds, "--poll-seconds": opts.pollSeconds, "--idle-executions": opts.idleExecutions, "--idle-seconds": opts.idleSeconds,
		"--queue-messages": opts.queueMessages, "--queue-rounds": opts.queueRounds,
	} {
		if n < 1 {
			return opts, fmt.Errorf("%s must be positive", name)
		}
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

// Report is everything a run measured, as --json writes it: a section per
// scenario run, nil for those not run.
type Report struct {
	Date       time.Time
	Machine    Machine
	Throughput *ThroughputReport `json:",omitempty"`
	Latency    *LatencyReport    `json:",omitempty"`
	Polling    *PollingReport    `json:",omitempty"`
	Queue      *QueueReport      `json:",omitempty"`
	Idle       *IdleReport       `json:",omitempty"`
}

// Machine says where the figures come from.
type Machine struct {
	CPU           string
	Cores         int
	GoVersion     string
	EmbeddedStack bool
}

// environment is what every scenario runs with: the function, the stack
// and the baseline's worker on it.
type environment struct {
	fn       *function
	stack    *stack
	baseline *baseline
}

// startEnvironment reaches the stack (starting `fnflow dev` when the flags
// name none) and starts the baseline's worker on it. The function reports
// through the environment started last.
func startEnvironment(ctx context.Context, opts options, fn *function, logger *slog.Logger) (*environment, error) {
	target, err := reachStack(ctx, opts, fn, logger)
	if err != nil {
		return nil, err
	}
	baseline, err := startBaseline(target.temporal, fn)
	if err != nil {
		target.stop()
		return nil, err
	}
	return &environment{fn: fn, stack: target, baseline: baseline}, nil
}

func (e *environment) stop() {
	e.baseline.stop()
	e.stack.stop()
}

func run(ctx context.Context, opts options, stdout io.Writer) (Report, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if opts.gateway == "" && opts.fnflowBinary == "" {
		dir, err := os.MkdirTemp("", "fnflow-bench-build")
		if err != nil {
			return Report{}, err
		}
		defer os.RemoveAll(dir)
		if opts.fnflowBinary, err = buildFnflow(ctx, dir); err != nil {
			return Report{}, err
		}
	}
	fn, err := startFunction(opts.functionAddr, logger)
	if err != nil {
		return Report{}, err
	}
	defer fn.close()
	// The stack the scenarios share, started when the first needs it: the
	// idle scenario alone starts its own.
	var env *environment
	shared := func() (*environment, error) {
		if env == nil {
			if env, err = startEnvironment(ctx, opts, fn, logger); err != nil {
				return nil, err
			}
		}
		return env, nil
	}
	defer func() {
		if env != nil {
			env.stop()
		}
	}()
	report := Report{Date: time.Now().UTC(),
		Machine: Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), GoVersion: runtime.Version(), EmbeddedStack: opts.gateway == ""}}
	for _, name := range opts.scenarios {
		if name != "idle" {
			if _, err := shared(); err != nil {
				return report, err
			}
		}
		switch name {
		case "throughput":
			report.Throughput, err = runThroughput(ctx, opts, env)
			if err == nil {
				printThroughput(stdout, report.Throughput)
			}
		case "latency":
			report.Latency, err = runLatency(ctx, opts, env)
			if err == nil {
				printLatency(stdout, report.Latency)
			}
		case "polling":
			report.Polling, err = runPolling(ctx, opts, env)
			if err == nil {
				printPolling(stdout, report.Polling)
			}
		case "queue":
			report.Queue, err = runQueue(ctx, opts, env)
			if err == nil {
				printQueue(stdout, report.Queue)
			}
		case "idle":
			report.Idle, err = runIdle(ctx, opts, fn, shared, logger)
			if err == nil {
				printIdle(stdout, report.Idle)
			}
		}
		if err != nil {
			return report, fmt.Errorf("the %s scenario: %w", name, err)
		}
	}
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
