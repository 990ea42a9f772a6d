package devserver

import (
	"context"
	"slices"
	"testing"
	"time"
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
