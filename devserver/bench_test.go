package devserver

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// BenchmarkCallbackToNextStep measures what a waitForCallback step costs on
// the embedded server: from just before client.CompleteActivity with the
// step's task token until the workflow's next async activity has started.
// That covers the completion RPC, the history write, dispatching the workflow
// task, running it, and scheduling and dispatching the next activity.
//
// "tuned" is the configuration Start uses; "default-transfer-poll-rps" puts
// history.transferProcessorMaxPollRPS back to the server default of 20 as the
// baseline. Besides ns/op (the mean) it reports the p50 and p99 in ms.
//
// That limit is a token bucket whose burst equals the rate, so the first
// twenty-odd steps after a quiet spell are fast even with the default; only
// sustained traffic (a few callbacks a second) pays ~50 ms a step. The
// untimed warm-up steps empty the bucket so that both variants show that
// steady state.
func BenchmarkCallbackToNextStep(b *testing.B) {
	for _, variant := range []struct {
		name            string
		transferPollRPS int
	}{
		{"tuned", 0},
		{"default-transfer-poll-rps", 20},
	} {
		b.Run(variant.name, func(b *testing.B) {
			s := startServer(b, Options{transferPollRPS: variant.transferPollRPS})
			c := newClient(b, s)
			steps, _ := startWorker(b, c)

			// One workflow: the warm-up steps, one step per iteration, and the
			// step left parked at the end.
			run := startSteps(b, c, warmupSteps+b.N+1)
			step := nextStep(b, steps)
			callback := func() time.Duration {
				began := time.Now()
				if err := c.CompleteActivity(context.Background(), step.token, "done", nil); err != nil {
					b.Fatal(err)
				}
				step = nextStep(b, steps)
				return step.started.Sub(began)
			}
			for range warmupSteps {
				callback()
			}
			latencies := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				latencies = append(latencies, callback())
			}
			b.StopTimer()

			if err := c.CompleteActivity(context.Background(), step.token, "done", nil); err != nil {
				b.Fatal(err)
			}
			waitResult(b, run)
			slices.Sort(latencies)
			b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
			b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
		})
	}
}

// warmupSteps is more than the default limiter's burst of 20 transfer-queue
// reads (each step takes at least one).
const warmupSteps = 30

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkCallbackThroughput measures how many callback steps a second the
// embedded server runs when nothing else is in the way: b.N workflows of
// five async activities each, started together, their tokens completed by
// 16 goroutines in the same process as soon as each activity starts. It is
// the ceiling the throughput figures of fnflow-bench are read against: a
// load over HTTP, with fnflow's flow or a hand-written workflow, runs on
// the same server and cannot be faster. Run it with -benchtime 300x.
func BenchmarkCallbackThroughput(b *testing.B) {
	const stepsPerWorkflow, goroutines = 5, 16
	s := startServer(b, Options{})
	c := newClient(b, s)
	steps, _ := startWorker(b, c)

	var completers sync.WaitGroup
	for range goroutines {
		completers.Go(func() {
			for step := range steps {
				if err := c.CompleteActivity(context.Background(), step.token, "done", nil); err != nil {
					b.Error(err)
				}
			}
		})
	}
	defer func() {
		close(steps)
		completers.Wait()
	}()

	b.ResetTimer()
	began := time.Now()
	runs := make(chan client.WorkflowRun, b.N)
	var starters sync.WaitGroup
	for g := range goroutines {
		starters.Go(func() {
			for i := g; i < b.N; i += goroutines {
				// Not startSteps: it stops the benchmark with Fatal, which
				// only the benchmark's own goroutine may call.
				run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: taskQueue}, StepsWorkflow, stepsPerWorkflow)
				if err != nil {
					b.Error(err)
					return
				}
				runs <- run
			}
		})
	}
	starters.Wait()
	close(runs)
	for run := range runs {
		if got := waitResult(b, run); len(got) != stepsPerWorkflow {
			b.Fatalf("workflow ran %d steps, want %d", len(got), stepsPerWorkflow)
		}
	}
	elapsed := time.Since(began).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N*stepsPerWorkflow)/elapsed, "steps/s")
	b.ReportMetric(float64(b.N)/elapsed, "workflows/s")
}

// BenchmarkServerWrites measures the embedded server's rate of single
// durable writes: b.N signals sent by 10 goroutines to 10 workflows that no
// worker runs, so each signal is one history event written and nothing
// else follows from it. Every operation that must survive a crash (a
// message sent, received, deleted; a step completed) is at least one such
// write, so this rate bounds every such figure. Run it with -benchtime
// 3000x.
func BenchmarkServerWrites(b *testing.B) {
	const goroutines = 10
	s := startServer(b, Options{})
	c := newClient(b, s)
	ids := make([]string, goroutines)
	for g := range ids {
		// On a task queue nobody polls: the first workflow task stays
		// scheduled, and the signals only append to the history.
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
			ID: fmt.Sprintf("%s-%d-%d", b.Name(), g, time.Now().UnixNano()), TaskQueue: "nobody-polls",
		}, StepsWorkflow, 1)
		if err != nil {
			b.Fatal(err)
		}
		ids[g] = run.GetID()
	}

	b.ResetTimer()
	began := time.Now()
	var senders sync.WaitGroup
	for g, id := range ids {
		senders.Go(func() {
			for i := g; i < b.N; i += goroutines {
				if err := c.SignalWorkflow(context.Background(), id, "", "write", i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	senders.Wait()
	elapsed := time.Since(began).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed, "writes/s")
}
