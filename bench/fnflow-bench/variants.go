package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fnfclient"
)

// pattern is a task step's pattern: waitForCallback or requestResponse.
type pattern string

// variant is one way of running an execution of steps task steps: start
// names the execution and starts it; ended says whether it has ended, and
// fails for an execution that did not succeed.
type variant struct {
	name    string
	pattern pattern
	start   func(ctx context.Context, execution string) error
	ended   func(ctx context.Context, execution string) (bool, error)
}

// pollEvery is how often an execution whose steps are all done is asked
// whether it has ended, for both variants alike. The function says when the
// steps are done, so this is a poll or two per execution.
const pollEvery = 10 * time.Millisecond

func flowName(p pattern) string { return "bench-" + strings.ToLower(string(p)) }

// deployFlows creates (or updates) the flows of steps task steps, one per
// pattern, each step calling the function with the execution's name.
func deployFlows(ctx context.Context, gateway *fnfclient.Client, steps int) error {
	for _, p := range []pattern{"waitForCallback", "requestResponse"} {
		var def strings.Builder
		def.WriteString("version: v1\ntype: flow\nsteps:\n")
		for i := 1; i <= steps; i++ {
			fmt.Fprintf(&def, "  - type: task\n    name: step%d\n    resourceArn: acs:fc:cn-hangzhou:1:%s\n    pattern: %s\n    inputMappings:\n      - target: execution\n        source: $context.execution.name\n", i, functionResource, p)
			if p == "waitForCallback" {
				def.WriteString("      - target: token\n        source: $context.task.token\n")
			}
		}
		spec := fnfclient.FlowSpec{Name: flowName(p), Definition: def.String()}
		_, err := gateway.CreateFlow(ctx, spec)
		var exists *fnfclient.APIError
		if errors.As(err, &exists) && exists.Code == "FlowAlreadyExists" {
			_, err = gateway.UpdateFlow(ctx, spec)
		}
		if err != nil {
			return fmt.Errorf("deploying flow %s: %w", spec.Name, err)
		}
	}
	return nil
}

func fnflowVariant(gateway *fnfclient.Client, p pattern) variant {
	flow := flowName(p)
	return variant{
		name:    "fnflow",
		pattern: p,
		start: func(ctx context.Context, execution string) error {
			_, err := gateway.StartExecution(ctx, flow, execution, "{}")
			return err
		},
		ended: func(ctx context.Context, execution string) (bool, error) {
			e, err := gateway.DescribeExecution(ctx, flow, execution, 0)
			if err != nil || !e.Ended() {
				return false, err
			}
			if e.Status != "Succeeded" {
				return true, fmt.Errorf("execution %s ended %s", execution, e.Status)
			}
			return true, nil
		},
	}
}

// baselineTaskQueue is the hand-written workflow's own task queue, polled by
// the benchmark's worker.
const baselineTaskQueue = "fnflow-bench-baseline"

// baseline is the hand-written Temporal workflow and its worker.
type baseline struct {
	temporal client.Client
	worker   sdkworker.Worker
	function string
}

func startBaseline(c client.Client, fn *function) (*baseline, error) {
	b := &baseline{temporal: c, function: fn.url}
	b.worker = sdkworker.New(c, baselineTaskQueue, sdkworker.Options{})
	b.worker.RegisterWorkflowWithOptions(handwrittenSteps, workflow.RegisterOptions{Name: "HandwrittenSteps"})
	b.worker.RegisterActivityWithOptions(b.step, activity.RegisterOptions{Name: "HandwrittenStep"})
	if err := b.worker.Start(); err != nil {
		return nil, fmt.Errorf("starting the baseline's worker: %w", err)
	}
	return b, nil
}

func (b *baseline) stop() { b.worker.Stop() }

// handwrittenSteps is what a Temporal user would write by hand for the
// flow: steps activities in a row, each calling the function.
func handwrittenSteps(ctx workflow.Context, p pattern, steps int) error {
	timeout := time.Minute
	if p == "waitForCallback" {
		timeout = time.Hour
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout})
	for range steps {
		if err := workflow.ExecuteActivity(ctx, "HandwrittenStep", p).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// step calls the function, with its task token for a callback step, whose
// activity the function then completes.
func (b *baseline) step(ctx context.Context, p pattern) error {
	info := activity.GetInfo(ctx)
	c := call{Execution: info.WorkflowExecution.ID}
	if p == "waitForCallback" {
		c.TemporalToken = base64.StdEncoding.EncodeToString(info.TaskToken)
	}
	body, _ := json.Marshal(c)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.function, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("calling the function: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the function answered %s", resp.Status)
	}
	if p == "waitForCallback" {
		return activity.ErrResultPending
	}
	return nil
}

func (b *baseline) variant(p pattern, steps int) variant {
	return variant{
		name:    "hand-written",
		pattern: p,
		start: func(ctx context.Context, execution string) error {
			_, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: execution, TaskQueue: baselineTaskQueue}, "HandwrittenSteps", p, steps)
			return err
		},
		ended: func(ctx context.Context, execution string) (bool, error) {
			resp, err := b.temporal.DescribeWorkflowExecution(ctx, execution, "")
			if err != nil {
				return false, err
			}
			switch status := resp.GetWorkflowExecutionInfo().GetStatus(); status {
			case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
				return false, nil
			case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
				return true, nil
			default:
				return true, fmt.Errorf("workflow %s ended %s", execution, status)
			}
		},
	}
}
