package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/interpreter"
)

// WaitingCount configures CountWaitingSteps.
type WaitingCount struct {
	Namespace, TaskQueue string
	// Every is the pause between the end of one count and the start of the
	// next.
	Every   time.Duration
	Metrics prometheus.Registerer
	Logger  *slog.Logger
}

// describeConcurrency bounds the describes a count has in flight, so that a
// count is a trickle of reads for Temporal, not a burst.
const describeConcurrency = 4

// CountWaitingSteps keeps the gauge fnflow_callback_steps_waiting: the
// waitForCallback task attempts pending in the running executions of the
// task queue, their hand-offs included, counted every cfg.Every until ctx
// ends. Temporal indexes no pending activities, so each count lists the
// running executions (one visibility call per 1,000) and describes each of
// them: its cost grows with the executions running, which is why it runs
// only where metrics are served (docs/operations.md). A count that fails is
// logged and the gauge keeps the last one; the timestamp gauge says when
// that was.
func CountWaitingSteps(ctx context.Context, c client.Client, cfg WaitingCount) {
	waiting := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "fnflow_callback_steps_waiting",
		Help: "waitForCallback task attempts pending (waiting for a report, or being handed over) in the running executions of the task queue, as of the last count.",
	})
	countedAt := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "fnflow_callback_steps_waiting_counted_timestamp_seconds",
		Help: "When fnflow_callback_steps_waiting was last counted, in Unix seconds; 0 before the first count.",
	})
	cfg.Metrics.MustRegister(waiting, countedAt)
	for {
		n, err := countWaitingSteps(ctx, c, cfg.Namespace, cfg.TaskQueue)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			cfg.Logger.Warn("counting the waiting callback steps failed; fnflow_callback_steps_waiting keeps the last count", "error", err)
		default:
			waiting.Set(float64(n))
			countedAt.SetToCurrentTime()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.Every):
		}
	}
}

func countWaitingSteps(ctx context.Context, c client.Client, namespace, taskQueue string) (int, error) {
	if strings.ContainsAny(taskQueue, `'"\`) {
		return 0, fmt.Errorf("the task queue %q cannot be quoted in a visibility query", taskQueue)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND TaskQueue = '%s'", interpreter.ExecutionWorkflow, taskQueue)
	var (
		wg    sync.WaitGroup
		slots = make(chan struct{}, describeConcurrency)
		mu    sync.Mutex
		total int
	)
	var page []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query, NextPageToken: page})
		if err != nil {
			cancel(fmt.Errorf("listing the running executions: %w", err))
			break
		}
		for _, info := range resp.GetExecutions() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			wg.Go(func() {
				defer func() { <-slots }()
				n, err := waitingIn(ctx, c, info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId())
				if err != nil {
					cancel(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		if page = resp.GetNextPageToken(); len(page) == 0 || ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return total, nil
}

// waitingIn counts the pending waitForCallback attempts of one execution.
func waitingIn(ctx context.Context, c client.Client, workflowID, runID string) (int, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// Gone since it was listed (retention, or deleted with its flow).
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("describing execution %s: %w", workflowID, err)
	}
	n := 0
	for _, p := range desc.GetPendingActivities() {
		if p.GetActivityType().GetName() == activities.WaitForCallbackActivity {
			n++
		}
	}
	return n, nil
}
