package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/fnfclient"
)

// TestRunWatch follows an execution through its steps, a foreach and a
// callback step, as `fnflow run --watch` shows them off a terminal, and
// exits as the execution ended.
func TestRunWatch(t *testing.T) {
	_, endpoint := startClientStack(t)
	mustFnflow(t, "flow", "deploy", "testdata/client/watch.yaml", "testdata/client/refuse.yaml", endpoint)

	type result struct {
		status int
		stdout string
	}
	done := make(chan result, 1)
	go func() {
		status, stdout, _ := fnflow(t, "run", "watch", "--name", "w1", "--watch", endpoint)
		done <- result{status, stdout}
	}()
	reportWhenWaiting(t, endpoint, "watch", "w1", `{"approved": true}`)
	select {
	case r := <-done:
		if r.status != 0 {
			t.Errorf("exit %d for a succeeded execution", r.status)
		}
		checkWatched(t, "run-watch.golden", r.stdout, "Status:     Succeeded\n")
	case <-time.After(60 * time.Second):
		t.Fatal("run --watch did not end")
	}

	status, stdout, _ := fnflow(t, "run", "refuse", "--name", "w2", "--watch", endpoint)
	if status != 1 {
		t.Errorf("exit %d for a failed execution under --watch, want 1", status)
	}
	checkWatched(t, "run-watch-failed.golden", stdout, "Error:      Order.Refused\nCause:      nobody may order today\n")
}

// checkWatched compares the progress --watch showed with a golden file, and
// checks that the execution's summary follows it.
func checkWatched(t *testing.T, golden, stdout, summary string) {
	t.Helper()
	progress, rest, found := strings.Cut(stdout, "Execution:  ")
	if !found || !strings.Contains(rest, summary) {
		t.Errorf("no summary with %q after the progress:\n%s", summary, stdout)
	}
	checkGolden(t, golden, progress)
}

// reportWhenWaiting reports the execution's callback task once it waits.
func reportWhenWaiting(t *testing.T, endpoint, flow, name, output string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if status, stdout, _ := fnflow(t, "exec", "history", flow, name, "--json", endpoint); status == 0 {
			var page struct {
				Events []struct{ Type, EventDetail string }
			}
			decodeJSON(t, stdout, &page)
			for _, e := range page.Events {
				var detail struct{ TaskToken string }
				if e.Type == "TaskSubmitted" && json.Unmarshal([]byte(e.EventDetail), &detail) == nil && detail.TaskToken != "" {
					mustFnflow(t, "task", "succeed", detail.TaskToken, "--output", output, endpoint)
					return
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("execution %s of flow %s never waited for a callback", name, flow)
}

// On a terminal, --watch keeps a status line of what waits and how far each
// foreach is, rewritten in place and cleared before each line of progress.
func TestWatchStatusLine(t *testing.T) {
	var out strings.Builder
	w := newWatcher(&out)
	w.terminal = true
	for _, e := range []fnfclient.Event{
		{EventID: 1, Type: "StepEntered", StepName: "each"},
		{EventID: 2, Type: "IterationEntered", StepName: "each", ScheduleEventID: 1, EventDetail: `{"index":0,"total":2}`},
		{EventID: 3, Type: "IterationExited", StepName: "each", ScheduleEventID: 2, EventDetail: `{"index":0,"total":2}`},
		{EventID: 4, Type: "IterationEntered", StepName: "each", ScheduleEventID: 1, EventDetail: `{"index":1,"total":2}`},
		{EventID: 5, Type: "StepEntered", StepName: "approve"},
		{EventID: 6, Type: "TaskScheduled", StepName: "approve", ScheduleEventID: 5, EventDetail: `{"resourceArn":"acs:mns:::/queues/q/messages"}`},
	} {
		w.show(e)
	}
	w.showStatus()
	if got, want := out.String(), "\r\x1b[K⠙ each: 1 of 2 iterations done; waiting: approve (acs:mns:::/queues/q/messages)"; !strings.HasSuffix(got, want) {
		t.Errorf("status line %q, want it to end %q", got, want)
	}
	w.line("✓ each")
	if got := out.String(); !strings.HasSuffix(got, "\r\x1b[K✓ each\n") {
		t.Errorf("a line after the status line: %q, want the status cleared first", got)
	}
}

// TestGraphOfExecution draws a deployed flow as one of its executions ran
// it: the steps done, the step waiting, the steps not reached.
func TestGraphOfExecution(t *testing.T) {
	_, endpoint := startClientStack(t)
	mustFnflow(t, "flow", "deploy", "testdata/client/watch.yaml", endpoint)
	mustFnflow(t, "run", "watch", "--name", "g1", endpoint)
	reportWhenWaiting(t, endpoint, "watch", "g1", `{"approved": true}`)
	mustFnflow(t, "run", "watch", "--name", "g2", endpoint)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(mustFnflow(t, "exec", "history", "watch", "g2", endpoint), "TaskSubmitted") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	showEnded(t, endpoint, "watch", "g1")

	done := mustFnflow(t, "graph", "watch", "--execution", "g1", "--format", "svg", endpoint)
	waiting := mustFnflow(t, "graph", "watch", "--execution", "g2", "--format", "mermaid", endpoint)
	for _, want := range []string{`data-path="prepare" data-state="done"`, `data-path="approve" data-state="done"`} {
		if !strings.Contains(done, want) {
			t.Errorf("the picture of a succeeded execution has no %s:\n%s", want, done)
		}
	}
	for _, want := range []string{"classDef waiting fill:#fefcbf\n  class s_approve waiting\n", "classDef done fill:#c6f6d5\n  class s_prepare,s_each,"} {
		if !strings.Contains(waiting, want) {
			t.Errorf("the picture of a waiting execution has no %q:\n%s", want, waiting)
		}
	}
	if plain := mustFnflow(t, "graph", "watch", endpoint); strings.Contains(plain, "classDef") {
		t.Errorf("the picture of a flow without an execution is coloured:\n%s", plain)
	}
	if status, _, stderr := fnflow(t, "graph", "testdata/client/watch.yaml", "--execution", "g1", endpoint); status != 2 || !strings.Contains(stderr, "needs the name of a deployed flow") {
		t.Errorf("--execution with a file: exit %d, %s", status, stderr)
	}
}
