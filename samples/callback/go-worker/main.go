// Command go-worker is the callback worker of the fnf-demo-callback sample,
// written against the fnf HTTP API with the standard library only.
//
// It does what Alibaba's sample worker.py does: it reads the execution's
// history until the waiting task's TaskSubmitted event appears, takes the task
// token from it and reports the task succeeded with {"status":"ok"}, or failed
// with --fail-with. A real worker gets the token from the work it is handed
// (here the echo function's input); reading the history only makes the demo
// need no plumbing.
//
//	go run ./samples/callback/go-worker --execution exec-1
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const apiVersion = "2019-03-15"

func main() {
	gateway := flag.String("gateway", "http://127.0.0.1:8080", "fnflow gateway URL")
	flow := flag.String("flow", "fnf-demo-callback", "flow name")
	execution := flag.String("execution", "", "execution name (required)")
	output := flag.String("output", `{"status":"ok"}`, "JSON object to report as the task's output")
	failWith := flag.String("fail-with", "", "report the task failed with this error name instead")
	cause := flag.String("cause", "reported by go-worker", "cause reported with --fail-with")
	wait := flag.Duration("wait", time.Minute, "how long to wait for the task to be submitted")
	flag.Parse()
	if *execution == "" {
		fmt.Fprintln(os.Stderr, "go-worker: --execution is required")
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	waitCtx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()

	api := &client{base: strings.TrimRight(*gateway, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	task, err := waitForTask(waitCtx, api, *flow, *execution)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-worker:", err)
		os.Exit(1)
	}
	fmt.Printf("task %s of %s/%s is waiting, token %s\n", task.step, *flow, *execution, redact(task.token))

	var reply struct {
		EventId   int64
		RequestId string
	}
	if *failWith != "" {
		err = api.call(ctx, "POST", "ReportTaskFailed", url.Values{
			"TaskToken": {task.token}, "Error": {*failWith}, "Cause": {*cause},
		}, &reply)
	} else {
		err = api.call(ctx, "POST", "ReportTaskSucceeded", url.Values{
			"TaskToken": {task.token}, "Output": {*output},
		}, &reply)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-worker:", err)
		os.Exit(1)
	}
	if *failWith != "" {
		fmt.Printf("reported failure %s: EventId %d, RequestId %s\n", *failWith, reply.EventId, reply.RequestId)
	} else {
		fmt.Printf("reported success %s: EventId %d, RequestId %s\n", *output, reply.EventId, reply.RequestId)
	}
}

// waitingTask is a task that handed its work over and waits for a report.
type waitingTask struct {
	step, token string
}

type event struct {
	Type        string
	StepName    string
	EventDetail string // a JSON object, as a string
}

// waitForTask polls the execution's history until a task waits for a report.
// The execution may not exist yet if the worker was started first.
func waitForTask(ctx context.Context, api *client, flow, execution string) (waitingTask, error) {
	for {
		events, err := history(ctx, api, flow, execution)
		var apiErr *apiError
		switch {
		case errors.As(err, &apiErr) && apiErr.Code == "ExecutionNotExists":
			// Not started yet: keep polling.
		case err != nil:
			return waitingTask{}, err
		default:
			if end, ok := executionEnd(events); ok {
				return waitingTask{}, fmt.Errorf("%s/%s has ended (%s): no task waits for a report", flow, execution, end)
			}
			if task, ok := lastWaitingTask(events); ok {
				return task, nil
			}
		}
		select {
		case <-ctx.Done():
			return waitingTask{}, fmt.Errorf("no task of %s/%s waits for a report: %w", flow, execution, context.Cause(ctx))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// history returns every event of an execution, following NextToken.
func history(ctx context.Context, api *client, flow, execution string) ([]event, error) {
	var all []event
	next := ""
	for {
		params := url.Values{"FlowName": {flow}, "ExecutionName": {execution}}
		if next != "" {
			params.Set("NextToken", next)
		}
		var page struct {
			Events    []event
			NextToken string
		}
		if err := api.call(ctx, "GET", "GetExecutionHistory", params, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Events...)
		if page.NextToken == "" {
			return all, nil
		}
		next = page.NextToken
	}
}

// lastWaitingTask finds the latest TaskSubmitted event that no later
// TaskSucceeded, TaskFailed or TaskTimedOut of the same step has answered.
func lastWaitingTask(events []event) (waitingTask, bool) {
	answered := map[string]bool{}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		switch e.Type {
		case "TaskSucceeded", "TaskFailed", "TaskTimedOut":
			answered[e.StepName] = true
		case "TaskSubmitted":
			if answered[e.StepName] {
				continue
			}
			var detail struct{ TaskToken string }
			if err := json.Unmarshal([]byte(e.EventDetail), &detail); err == nil && detail.TaskToken != "" {
				return waitingTask{step: e.StepName, token: detail.TaskToken}, true
			}
		}
	}
	return waitingTask{}, false
}

// executionEnd returns the type of the event that ended the execution.
func executionEnd(events []event) (string, bool) {
	for _, e := range events {
		switch e.Type {
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionStopped", "ExecutionTimedOut":
			return e.Type, true
		}
	}
	return "", false
}

// client calls the gateway in Alibaba's RPC form: Action, Version and the
// parameters in the query for GET, in a form body for POST.
type client struct {
	base string
	http *http.Client
}

// apiError is the error body every fnf action answers with.
type apiError struct {
	Status    int    `json:"-"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s (RequestId %s)", e.Status, e.Code, e.Message, e.RequestID)
}

func (c *client) call(ctx context.Context, method, action string, params url.Values, reply any) error {
	query := url.Values{"Action": {action}, "Version": {apiVersion}}
	var body io.Reader
	if method == "GET" {
		for name, values := range params {
			query[name] = values
		}
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/?"+query.Encode(), body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: reading reply: %w", action, err)
	}
	if resp.StatusCode >= 300 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("%s: %w", action, e)
	}
	if err := json.Unmarshal(data, reply); err != nil {
		return fmt.Errorf("%s: reply is not JSON: %w", action, err)
	}
	return nil
}

// redact keeps only the end of a token, which tells tokens apart (their
// starts are alike): tokens are bearer secrets.
func redact(token string) string {
	const keep = 8
	if len(token) <= 2*keep {
		return "…"
	}
	return "…" + token[len(token)-keep:]
}
