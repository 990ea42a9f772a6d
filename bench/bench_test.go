package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

const (
	taskQueue = "bench"
	// steps is the number of callback steps of one benchmarked execution.
	steps = 5
	// pollInterval is how often the polling baseline asks whether the work
	// is done: shorter intervals cost more load per waiting step.
	pollInterval = time.Second
)

var (
	// temporalClient and signer are the shared server's, set by integration
	// for the functions and activities the worker runs.
	temporalClient client.Client
	signer         *token.Signer
	// pending holds the remote work the polling baseline waits for.
	pending sync.Map
	// parked receives one value each time a step starts waiting for good.
	parked = make(chan struct{}, 1024)

	workerOnce sync.Once
	workerErr  error
)

// TestMain stops the embedded server and the worker the benchmarks started.
func TestMain(m *testing.M) { testenv.Main(m) }

// integration starts the shared embedded Temporal server (tuned as `fnflow
// dev` tunes it) and the one worker of every benchmark, on first use. Each
// benchmark calls it before it measures anything.
func integration(b *testing.B) {
	b.Helper()
	env := testenv.Start(b)
	workerOnce.Do(func() { workerErr = startWorker(env) })
	if workerErr != nil {
		b.Fatal(workerErr)
	}
}

func startWorker(env *testenv.Env) error {
	temporalClient, signer = env.Client, env.Signer
	// The function a callback step hands its token to: like a real worker it
	// does its work elsewhere and reports back, here at once.
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var input map[string]string
		_ = json.NewDecoder(r.Body).Decode(&input)
		go reportCallback(input["taskToken"])
		_, _ = w.Write([]byte("{}"))
	}))
	testenv.OnStop(fn.Close)
	// The function of a step that waits for good: it keeps the token and
	// never reports, as a person who has not yet approved.
	park := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("{}"))
		parked <- struct{}{}
	}))
	testenv.OnStop(park.Close)
	bindings, err := activities.ParseBindings([]byte("functions:\n" +
		"  - resource: services/bench/functions/work\n    http: {url: " + fn.URL + "}\n" +
		"  - resource: services/bench/functions/park\n    http: {url: " + park.URL + "}\n"))
	if err != nil {
		return err
	}

	w := sdkworker.New(temporalClient, taskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	(&activities.Activities{Functions: bindings, Tokens: signer, Temporal: temporalClient, HTTP: http.DefaultClient, Logger: env.Logger}).Register(w)
	queues.Register(w, temporalClient)
	topics.Register(w, topics.Deps{})
	w.RegisterWorkflow(handwrittenCallbacks)
	w.RegisterActivity(parkUntilCallback)
	w.RegisterWorkflow(handwrittenWaiting)
	w.RegisterActivity(parkForGood)
	w.RegisterWorkflow(handwrittenPolling)
	w.RegisterActivity(submitJob)
	w.RegisterActivity(jobStatus)
	if err := w.Start(); err != nil {
		return err
	}
	testenv.OnStop(w.Stop)
	return nil
}

func reportCallback(callbackToken string) {
	taskToken, err := signer.Open(callbackToken)
	if err != nil {
		log.Printf("bench function got a bad token: %v", err)
		return
	}
	if err := temporalClient.CompleteActivity(context.Background(), taskToken, map[string]any{"status": "ok"}, nil); err != nil {
		log.Printf("completing: %v", err)
	}
}

// callbackFlow is an FDL flow of n waitForCallback tasks in a row, each
// handing its token to the bench function named function.
func callbackFlow(function string, n int) string {
	var b strings.Builder
	b.WriteString("version: v1\ntype: flow\nsteps:\n")
	for i := range n {
		fmt.Fprintf(&b, `  - type: task
    name: step%d
    resourceArn: acs:fc:::services/bench/functions/%s
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
`, i, function)
	}
	return b.String()
}

// executionID names the i-th execution of benchmark b uniquely across runs.
func executionID(b *testing.B, i int) string {
	return fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(b.Name(), "/", "-"), time.Now().UnixNano(), i)
}

// handwrittenCallbacks is what a Temporal user would write by hand for the
// same flow: one asynchronously completed activity per step.
func handwrittenCallbacks(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	for range n {
		var out map[string]any
		if err := workflow.ExecuteActivity(ctx, parkUntilCallback).Get(ctx, &out); err != nil {
			return err
		}
	}
	return nil
}

func parkUntilCallback(ctx context.Context) (map[string]any, error) {
	go reportCallback(signer.Sign(activity.GetInfo(ctx).TaskToken))
	return nil, activity.ErrResultPending
}

// handwrittenPolling submits each step's work and then asks every
// pollInterval whether it is done, the way a flow without callbacks waits.
func handwrittenPolling(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for i := range n {
		jobID := fmt.Sprintf("%s-%d", workflow.GetInfo(ctx).WorkflowExecution.ID, i)
		if err := workflow.ExecuteActivity(ctx, submitJob, jobID).Get(ctx, nil); err != nil {
			return err
		}
		for {
			if err := workflow.Sleep(ctx, pollInterval); err != nil {
				return err
			}
			var done bool
			if err := workflow.ExecuteActivity(ctx, jobStatus, jobID).Get(ctx, &done); err != nil {
				return err
			}
			if done {
				break
			}
		}
	}
	return nil
}

// submitJob starts remote work that, like the callback function's, finishes
// at once.
func submitJob(ctx context.Context, jobID string) error {
	pending.Store(jobID, true)
	return nil
}

func jobStatus(ctx context.Context, jobID string) (bool, error) {
	done, _ := pending.Load(jobID)
	return done == true, nil
}

// runExecutions starts b.N executions one after another and reports the mean
// time a step took, from the server's start and close times of each
// execution: the client's wait for a result can miss the news that it ended
// and sleep out the server's 20 s long poll (see awaitRound in the gateway),
// which says nothing about how fast the steps ran.
func runExecutions(b *testing.B, stepsPerRun int, start func(id string) (client.WorkflowRun, error)) {
	b.Helper()
	var ran time.Duration
	for i := range b.N {
		run, err := start(executionID(b, i))
		if err != nil {
			b.Fatal(err)
		}
		ran += waitForEnd(b, run)
	}
	b.ReportMetric(float64(ran)/float64(time.Millisecond)/float64(b.N*stepsPerRun), "ms/step")
}

// waitForEnd waits for run to succeed, in rounds of a second, and returns how
// long it ran by the server's clock.
func waitForEnd(b *testing.B, run client.WorkflowRun) time.Duration {
	b.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		// However the round ended, the description tells the outcome.
		_ = run.Get(ctx, nil)
		cancel()
		desc, err := temporalClient.DescribeWorkflowExecution(context.Background(), run.GetID(), run.GetRunID())
		if err != nil {
			b.Fatal(err)
		}
		info := desc.GetWorkflowExecutionInfo()
		switch info.GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			continue
		case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			return info.GetCloseTime().AsTime().Sub(info.GetStartTime().AsTime())
		default:
			b.Fatalf("%s ended %v", run.GetID(), info.GetStatus())
		}
	}
}

// BenchmarkCallbackFlow runs a flow of five callback steps, each handing its
// token to a function that reports back at once. fnflow is the FDL flow run
// by the interpreter; handwritten-temporal is the baseline: the same five
// async activities in a hand-written workflow; polling is the other
// baseline, a workflow that asks every second whether the work is done.
func BenchmarkCallbackFlow(b *testing.B) {
	integration(b)
	definition := callbackFlow("work", steps)
	b.Run("fnflow", func(b *testing.B) {
		runExecutions(b, steps, func(id string) (client.WorkflowRun, error) {
			return temporalClient.ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: interpreter.ExecutionWorkflowID("bench", id), TaskQueue: taskQueue},
				interpreter.ExecutionWorkflow, interpreter.ExecutionInput{FlowName: "bench", ExecutionName: id, Definition: definition})
		})
	})
	b.Run("handwritten-temporal", func(b *testing.B) {
		runExecutions(b, steps, func(id string) (client.WorkflowRun, error) {
			return temporalClient.ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, handwrittenCallbacks, steps)
		})
	})
	b.Run("polling-1s", func(b *testing.B) {
		const pollingSteps = 2 // each takes a poll interval: keep the run short
		runExecutions(b, pollingSteps, func(id string) (client.WorkflowRun, error) {
			return temporalClient.ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, handwrittenPolling, pollingSteps)
		})
	})
}

// handwrittenWaiting is the baseline of a flow whose one callback step hands
// its token to the park function, which never reports: one asynchronously
// completed activity that nobody completes.
func handwrittenWaiting(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return workflow.ExecuteActivity(ctx, parkForGood).Get(ctx, nil)
}

func parkForGood(ctx context.Context) error {
	parked <- struct{}{}
	return activity.ErrResultPending
}

// BenchmarkWaitingExecution measures what a waiting execution costs: the
// time to bring it to its waiting step, and the heap it then holds in this
// process (worker cache, the embedded server's caches and its SQLite
// connection), measured after a GC. The baseline is the hand-written
// workflow parked on the same asynchronous activity.
func BenchmarkWaitingExecution(b *testing.B) {
	integration(b)
	definition := callbackFlow("park", 1)
	b.Run("fnflow", func(b *testing.B) {
		measureWaiting(b, func(id string) (client.WorkflowRun, error) {
			return temporalClient.ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: interpreter.ExecutionWorkflowID("waiting", id), TaskQueue: taskQueue},
				interpreter.ExecutionWorkflow, interpreter.ExecutionInput{FlowName: "waiting", ExecutionName: id, Definition: definition})
		})
	})
	b.Run("handwritten-temporal", func(b *testing.B) {
		measureWaiting(b, func(id string) (client.WorkflowRun, error) {
			return temporalClient.ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, handwrittenWaiting)
		})
	})
}

// measureWaiting starts b.N executions, each until its step waits, reports
// the heap they hold, and terminates them.
func measureWaiting(b *testing.B, start func(id string) (client.WorkflowRun, error)) {
	b.Helper()
	before := heapInUse()
	runs := make([]client.WorkflowRun, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		run, err := start(executionID(b, i))
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, run)
		select {
		case <-parked:
		case <-time.After(30 * time.Second):
			b.Fatal("the step did not start waiting within 30 s")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(heapInUse()-before)/float64(b.N), "heap-B/waiting")
	for _, run := range runs {
		if err := temporalClient.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "benchmark done"); err != nil {
			b.Fatal(err)
		}
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
