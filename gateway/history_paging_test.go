package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/testenv"
)

// readHistory pages through an execution's whole history, Limit events at a
// time, and checks that the EventIds run 1, 2, 3, … across the pages.
func (e *testEnv) readHistory(t *testing.T, flow, execution, limit string) []map[string]any {
	t.Helper()
	var events []map[string]any
	next := ""
	for {
		page := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", execution, "Limit", limit, "NextToken", next))
		for _, ev := range page["Events"].([]any) {
			ev := ev.(map[string]any)
			if want := float64(len(events) + 1); ev["EventId"] != want {
				t.Fatalf("event %v after %d events, want EventId %v", ev["EventId"], len(events), want)
			}
			events = append(events, ev)
		}
		if next, _ = page["NextToken"].(string); next == "" {
			return events
		}
		if want := fmt.Sprint(len(events)); next != want {
			t.Fatalf("NextToken %q after %d events", next, len(events))
		}
	}
}

// TestLongHistoryPages: a history of 25,000 FnF events, far past what one
// Temporal query can return, reads completely page by page.
func TestLongHistoryPages(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	// 100 iterations of 124 pass steps: 100 × (2 + 2 × 124) events, plus the
	// execution's and the foreach step's own 4.
	var def strings.Builder
	def.WriteString("version: v1\ntype: flow\nsteps:\n  - type: foreach\n    name: each\n    iterationMapping:\n      collection: $.items\n      item: item\n    steps:\n")
	for i := range 124 {
		fmt.Fprintf(&def, "      - type: pass\n        name: p%d\n", i)
	}
	e.createFlow(t, flow, def.String())
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "l1", "Input", `{"items":[`+strings.Join(items, ",")+`]}`))
	if done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "l1", "WaitTimeSeconds", "60")); done["Status"] != "Succeeded" {
		t.Fatalf("DescribeExecution: %.300v", done)
	}

	events := e.readHistory(t, flow, "l1", "1000")
	if len(events) != 25_004 {
		t.Fatalf("%d events, want 25004", len(events))
	}
	if first, last := events[0], events[len(events)-1]; first["Type"] != "ExecutionStarted" || last["Type"] != "ExecutionSucceeded" {
		t.Errorf("first %v, last %v", first["Type"], last["Type"])
	}
}

// TestLargeInputHistory: an execution of a 1 MB input waiting for a callback
// shows every event, the TaskSubmitted with its token included, and that
// token completes it.
func TestLargeInputHistory(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	// Six events hold the whole 1 MB: ExecutionStarted, the StepEntered of
	// every step and the TaskScheduled, more than one reply holds.
	e.createFlow(t, flow, `version: v1
type: flow
steps:
  - type: pass
    name: p1
  - type: pass
    name: p2
  - type: pass
    name: p3
  - type: task
    name: wait_here
    resourceArn: acs:fc:::services/test/functions/hand-over
    pattern: waitForCallback
    inputMappings:
      - target: key
        source: $input.key
      - target: taskToken
        source: $context.task.token
      - target: big
        source: $input.big
    outputMappings:
      - target: s
        source: $local.status
`)
	big := strings.Repeat("x", 1_000_000)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "big1", "Input", `{"key":"`+flow+`/big1","big":"`+big+`"}`))
	handedOver := e.tokens.next(t, flow+"/big1")

	var (
		events []map[string]any
		tok    string
	)
	testenv.Eventually(t, "the history shows the token", 10*time.Second, func() error {
		events = e.readHistory(t, flow, "big1", "100")
		var types []string
		for _, ev := range events {
			types = append(types, ev["Type"].(string))
			if ev["Type"] == "TaskSubmitted" {
				tok, _ = jsonText(t, ev["EventDetail"])["taskToken"].(string)
			}
		}
		if tok == "" {
			return fmt.Errorf("no token in %v", types)
		}
		return nil
	})
	if tok != handedOver {
		t.Fatalf("history token %.12s…, the function got %.12s…", tok, handedOver)
	}
	if detail := jsonText(t, events[0]["EventDetail"]); detail["input"].(map[string]any)["big"] != big {
		t.Errorf("ExecutionStarted does not hold the 1 MB input")
	}
	first := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "big1", "Limit", "100"))
	if n := len(first["Events"].([]any)); n >= len(events) || first["NextToken"] != fmt.Sprint(n) {
		t.Errorf("the first reply holds %d of %d events of 1 MB, NextToken %v: want fewer, and a NextToken", n, len(events), first["NextToken"])
	}

	ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"status":"ok"}`))
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "big1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" || done["Output"] != `{"s":"ok"}` {
		t.Errorf("DescribeExecution: %.300v", done)
	}
}
