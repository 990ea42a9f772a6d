package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/token"
)

// These tests drive the callback path with the tests' own parked step
// (park), so they depend on the gateway and Temporal only.

// startParked starts a park workflow and returns it with the token its step
// handed out.
func (e *testEnv) startParked(t *testing.T, name string) (client.WorkflowRun, string) {
	t.Helper()
	run, err := e.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "park/" + name, TaskQueue: taskQueue}, parkWorkflow, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.temporal.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test over")
	})
	return run, e.tokens.next(t, name)
}

// result waits for a park workflow's result.
func result(t *testing.T, run client.WorkflowRun) (map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out map[string]any
	err := run.Get(ctx, &out)
	return out, err
}

// stillParked fails the test unless the workflow runs with its step pending.
func (e *testEnv) stillParked(t *testing.T, run client.WorkflowRun) {
	t.Helper()
	desc, err := e.temporal.DescribeWorkflowExecution(context.Background(), run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if status := desc.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || len(desc.GetPendingActivities()) != 1 {
		t.Fatalf("want the workflow running with its step pending: %v, %d pending", status, len(desc.GetPendingActivities()))
	}
}

func TestReportTaskSucceeded(t *testing.T) {
	e := integration(t)
	run, tok := e.startParked(t, "succeeds")
	reported := ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"status":"ok","n":1.5,"list":[1,"two"]}`))
	if reported["EventId"] != 0.0 {
		t.Errorf("reply %v", reported)
	}
	out, err := result(t, run)
	// The harness decodes with fnflow's converter: numbers as json.Number.
	if err != nil || out["status"] != "ok" || out["n"] != json.Number("1.5") || len(out["list"].([]any)) != 2 {
		t.Errorf("workflow result %v, %v", out, err)
	}

	// The task is done: a second report, with either outcome, is refused.
	second := e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"status":"again"}`)
	wantError(t, second, 400, "TaskAlreadyCompleted")
	if msg := second.body["Message"].(string); !strings.Contains(msg, token.Redact(tok)) || strings.Contains(msg, tok) {
		t.Errorf("Message %q must name the token redacted, and only so", msg)
	}
	wantError(t, e.call(t, "ReportTaskFailed", "TaskToken", tok, "Error", "Late"), 400, "TaskAlreadyCompleted")
}

func TestReportTaskFailed(t *testing.T) {
	e := integration(t)
	run, tok := e.startParked(t, "fails")
	ok(t, e.callJSON(t, `{"Action":"ReportTaskFailed","TaskToken":"`+tok+`","Error":"Worker.Failed","Cause":"the printer is on fire"}`))
	_, err := result(t, run)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "Worker.Failed" || appErr.Message() != "the printer is on fire" {
		t.Errorf("want ApplicationError Worker.Failed: the printer is on fire, got %v", err)
	}
}

func TestRefusedReportsLeaveTheTaskWaiting(t *testing.T) {
	e := integration(t)
	run, tok := e.startParked(t, "refused")
	for name, r := range map[string]reply{
		"forged token":           e.call(t, "ReportTaskSucceeded", "TaskToken", "t1."+strings.Repeat("A", 200), "Output", "{}"),
		"truncated token":        e.call(t, "ReportTaskSucceeded", "TaskToken", tok[:len(tok)-4], "Output", "{}"),
		"another key's token":    e.call(t, "ReportTaskFailed", "TaskToken", signedElsewhere(t, e, tok), "Error", "E"),
		"Output not JSON":        e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"status":`),
		"Output not an object":   e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `["ok"]`),
		"failure without Error":  e.call(t, "ReportTaskFailed", "TaskToken", tok, "Cause", "why"),
		"Error over 128 letters": e.call(t, "ReportTaskFailed", "TaskToken", tok, "Error", strings.Repeat("é", 129)),
	} {
		if r.status != 400 {
			t.Errorf("%s: got %d %v, want 400", name, r.status, r.body)
		}
	}
	e.stillParked(t, run)
	// And the real report still works.
	ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"status":"late but fine"}`))
	if out, err := result(t, run); err != nil || out["status"] != "late but fine" {
		t.Errorf("workflow result %v, %v", out, err)
	}
}

// signedElsewhere re-signs the Temporal token inside tok with another key, as
// another deployment's worker would have.
func signedElsewhere(t *testing.T, e *testEnv, tok string) string {
	t.Helper()
	taskToken, err := e.signer.Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	other, err := token.NewSigner([]byte("another deployment's signing key"))
	if err != nil {
		t.Fatal(err)
	}
	return other.Sign(taskToken)
}

func TestReportAfterTheWorkflowEnded(t *testing.T) {
	e := integration(t)
	run, tok := e.startParked(t, "ended")
	if err := e.temporal.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "gone"); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", "{}"), 400, "TaskAlreadyCompleted")
}
