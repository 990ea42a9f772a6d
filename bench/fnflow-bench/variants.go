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

// step is one task step of a benchmark flow, fnflow's and hand-written
// alike: its pattern, and its mode, which tells the function what to do
// with the call (function.go).
type step struct {
	Pattern pattern
	Mode    string
}

// steps returns n steps of the pattern and mode.
func steps(n int, p pattern, mode string) []step {
	s := make([]step, n)
	for i := range s {
		s[i] = step{p, mode}
	}
	return s
}

// variant is one way of running an execution: start names the execution
// and starts it; ended says whether it has ended, and fails for an
// execution that did not succeed; stop ends one the scenario gives up on.
type variant struct {
	name    string
	pattern pattern
	start   func(ctx context.Context, execution string) error
	ended   func(ctx context.Context, execution string) (bool, error)
	stop    func(ctx context.Context, execution string) error
}

// awaitEnd asks every so often whether the execution has ended, for both
// variants alike, until it has.
func awaitEnd(ctx context.Context, v variant, execution string, every time.Duration) error {
	for {
		ended, err := v.ended(ctx, execution)
		if err != nil || ended {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// reach waits for the execution's next call to reach the function. When
// none does in time, the execution is asked how it stands, so that a failed
// one says why.
func reach(ctx context.Context, v variant, fn *function, execution string, patience time.Duration) (arrival, error) {
	a, err := fn.next(ctx, execution, patience)
	if err != nil && ctx.Err() == nil {
		if _, why := v.ended(ctx, execution); why != nil {
			err = why
		}
	}
	if err != nil {
		return a, fmt.Errorf("execution %s: %w", execution, err)
	}
	return a, nil
}

// taskStep writes one FDL task step calling the function with the
// execution's name and the mode, and with its token for a callback step.
func taskStep(def *strings.Builder, name string, s step, extraInputs string) {
	fmt.Fprintf(def, "  - type: task\n    name: %s\n    resourceArn: acs:fc:cn-hangzhou:1:%s\n    pattern: %s\n    inputMappings:\n      - target: execution\n        source: $context.execution.name\n      - target: mode\n        source: %q\n",
		name, functionResource, s.Pattern, s.Mode)
	if s.Pattern == "waitForCallback" {
		def.WriteString("      - target: token\n        source: $context.task.token\n")
	}
	def.WriteString(extraInputs)
}

// stepsFlow is the FDL of a flow of the steps in a row.
func stepsFlow(list []step) string {
	var def strings.Builder
	def.WriteString("version: v1\ntype: flow\nsteps:\n")
	for i, s := range list {
		taskStep(&def, fmt.Sprintf("step%d", i+1), s, "")
	}
	return def.String()
}

// deployFlow creates the flow, or updates it when it exists from an
// earlier run.
func deployFlow(ctx context.Context, gateway *fnfclient.Client, name, definition string) error {
	spec := fnfclient.FlowSpec{Name: name, Definition: definition}
	_, err := gateway.CreateFlow(ctx, spec)
	var exists *fnfclient.APIError
	if errors.As(err, &exists) && exists.Code == "FlowAlreadyExists" {
		_, err = gateway.UpdateFlow(ctx, spec)
	}
	if err != nil {
		return fmt.Errorf("deploying flow %s: %w", name, err)
	}
	return nil
}

func fnflowVariant(gateway *fnfclient.Client, flow string) variant {
	return variant{
		name: "fnflow",
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
				return true, fmt.Errorf("execution %s ended %s: %s", execution, e.Status, lastEvent(ctx, gateway, flow, execution))
			}
			return true, nil
		},
		stop: func(ctx context.Context, execution string) error {
			_, err := gateway.StopExecution(ctx, flow, execution, fnfclient.Stop{Error: "fnflow-bench", Cause: "given up on"})
			return err
		},
	}
}

// lastEvent describes the execution's last event, which says why an
// execution that did not succeed ended.
func lastEvent(ctx context.Context, gateway *fnfclient.Client, flow, execution string) string {
	var last fnfclient.Event
	for token := ""; ; {
		page, err := gateway.GetExecutionHistory(ctx, flow, execution, token)
		if err != nil {
			return "reading its history: " + err.Error()
		}
		if len(page.Events) > 0 {
			last = page.Events[len(page.Events)-1]
		}
		if token = page.NextToken; token == "" {
			return last.Type + " " + last.StepName + " " + last.EventDetail
		}
	}
}

// baselineTaskQueue is the hand-written workflows' own task queue, polled by
// the benchmark's worker.
const baselineTaskQueue = "fnflow-bench-baseline"

// baseline is the hand-written Temporal workflows and their worker.
type baseline struct {
	temporal client.Client
	worker   sdkworker.Worker
	function string
}

func startBaseline(c client.Client, fn *function) (*baseline, error) {
	b := &baseline{temporal: c, function: fn.url}
	b.worker = sdkworker.New(c, baselineTaskQueue, sdkworker.Options{})
	b.worker.RegisterWorkflowWithOptions(handwrittenSteps, workflow.RegisterOptions{Name: "HandwrittenSteps"})
	b.worker.RegisterWorkflowWithOptions(handwrittenPolling, workflow.RegisterOptions{Name: "HandwrittenPolling"})
	b.worker.RegisterActivityWithOptions(b.step, activity.RegisterOptions{Name: "HandwrittenStep"})
	if err := b.worker.Start(); err != nil {
		return nil, fmt.Errorf("starting the baseline's worker: %w", err)
	}
	return b, nil
}

func (b *baseline) stop() { b.worker.Stop() }

// withStepOptions gives a step the timeout fnflow's flows leave unset: long
// for a callback, which waits on someone else.
func withStepOptions(ctx workflow.Context, p pattern) workflow.Context {
	timeout := time.Minute
	if p == "waitForCallback" {
		timeout = time.Hour
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout})
}

// handwrittenSteps is what a Temporal user would write by hand for a flow
// of task steps: activities in a row, each calling the function.
func handwrittenSteps(ctx workflow.Context, list []step) error {
	for _, s := range list {
		if err := workflow.ExecuteActivity(withStepOptions(ctx, s.Pattern), "HandwrittenStep", s, "").Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// handwrittenPolling is the polling flow written by hand: start the job,
// then sleep for the interval and ask its status until it is done, then
// the next step.
func handwrittenPolling(ctx workflow.Context, interval time.Duration) error {
	ctx = withStepOptions(ctx, "requestResponse")
	var started reply
	if err := workflow.ExecuteActivity(ctx, "HandwrittenStep", step{"requestResponse", "job"}, "").Get(ctx, &started); err != nil {
		return err
	}
	for {
		if err := workflow.Sleep(ctx, interval); err != nil {
			return err
		}
		var status reply
		if err := workflow.ExecuteActivity(ctx, "HandwrittenStep", step{"requestResponse", "status"}, started.Job).Get(ctx, &status); err != nil {
			return err
		}
		if status.Done {
			break
		}
	}
	return workflow.ExecuteActivity(ctx, "HandwrittenStep", step{"requestResponse", ""}, "").Get(ctx, nil)
}

// step calls the function, with its task token for a callback step, whose
// activity the function (or the load generator) then completes.
func (b *baseline) step(ctx context.Context, s step, job string) (reply, error) {
	info := activity.GetInfo(ctx)
	c := call{Execution: info.WorkflowExecution.ID, Mode: s.Mode, Job: job}
	if s.Pattern == "waitForCallback" {
		c.TemporalToken = base64.StdEncoding.EncodeToString(info.TaskToken)
	}
	body, _ := json.Marshal(c)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.function, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("calling the function: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return reply{}, fmt.Errorf("the function answered %s", resp.Status)
	}
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return reply{}, fmt.Errorf("reading the function's answer: %w", err)
	}
	if s.Pattern == "waitForCallback" {
		return reply{}, activity.ErrResultPending
	}
	return r, nil
}

// variant runs the named workflow with the arguments.
func (b *baseline) variant(workflowName string, args ...any) variant {
	return variant{
		name: "hand-written",
		start: func(ctx context.Context, execution string) error {
			_, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: execution, TaskQueue: baselineTaskQueue}, workflowName, args...)
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
		stop: func(ctx context.Context, execution string) error {
			return b.temporal.TerminateWorkflow(ctx, execution, "", "given up on")
		},
	}
}
