package gateway_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/testenv"
)

const failFlow = `version: v1
type: flow
steps:
  - type: fail
    name: nope
    error: Order.Invalid
    cause: no such order
`

// timeoutFlow outlives its own timeoutSeconds.
const timeoutFlow = `version: v1
type: flow
timeoutSeconds: 1
steps:
  - type: wait
    name: pause
    duration: 10
`

func syncNameOf(base string) *regexp.Regexp {
	return regexp.MustCompile(`^` + base + `:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
}

func (e *testEnv) createExpressFlow(t *testing.T, name, definition string) {
	t.Helper()
	created := ok(t, e.call(t, "CreateFlow", "Name", name, "Definition", definition, "Type", "FDL", "Description", "test", "ExecutionMode", "Express"))
	if created["ExecutionMode"] != "Express" {
		t.Fatalf("CreateFlow: %v", created)
	}
}

// TestExpressModes: the mode is set at creation and changed by UpdateFlow;
// each start action refuses the flows of the other mode.
func TestExpressModes(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createExpressFlow(t, flow, passFlow)
	if described := ok(t, e.get(t, "DescribeFlow", "Name", flow)); described["ExecutionMode"] != "Express" {
		t.Errorf("DescribeFlow: %v", described)
	}
	wantError(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "async"), 400, "InvalidArgument")
	wantError(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "async"), 404, "ExecutionNotExists")

	// An update without ExecutionMode keeps it.
	if updated := ok(t, e.call(t, "UpdateFlow", "Name", flow, "Description", "still express")); updated["ExecutionMode"] != "Express" {
		t.Errorf("UpdateFlow without ExecutionMode: %v", updated)
	}
	if updated := ok(t, e.call(t, "UpdateFlow", "Name", flow, "ExecutionMode", "Standard")); updated["ExecutionMode"] != "Standard" {
		t.Errorf("UpdateFlow to Standard: %v", updated)
	}
	wantError(t, e.call(t, "StartSyncExecution", "FlowName", flow), 400, "InvalidArgument")
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "async"))
	ok(t, e.call(t, "UpdateFlow", "Name", flow, "ExecutionMode", "Express"))
	if done := ok(t, e.call(t, "StartSyncExecution", "FlowName", flow, "Input", `{"a":1}`)); done["Status"] != "Succeeded" {
		t.Errorf("StartSyncExecution after the update back to Express: %v", done)
	}
	wantError(t, e.call(t, "StartSyncExecution", "FlowName", "no_such_flow"), 404, "FlowNotExists")
}

// TestStartSyncExecution: the reply has the execution's end (output, or
// error and cause); the execution is an ordinary one, named after the
// ExecutionName with a UUID, described and read like any other.
func TestStartSyncExecution(t *testing.T) {
	e := integration(t)
	flow, failing, timesOut := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-fails"), testenv.ResourceName(t, "-times-out")
	e.createExpressFlow(t, flow, passFlow)
	e.createExpressFlow(t, failing, failFlow)
	e.createExpressFlow(t, timesOut, timeoutFlow)

	done := ok(t, e.callJSON(t, `{"Action":"StartSyncExecution","FlowName":"`+flow+`","ExecutionName":"order","Input":{"a":12345678901234567890}}`))
	name, _ := done["Name"].(string)
	if !syncNameOf("order").MatchString(name) || done["FlowName"] != flow || done["Status"] != "Succeeded" || done["Output"] != `{"got":12345678901234567890}` {
		t.Errorf("StartSyncExecution: %v", done)
	}
	checkTime(t, done, "StartedTime")
	checkTime(t, done, "StoppedTime")
	for _, field := range []string{"ErrorCode", "ErrorMessage", "Input", "FlowDefinition"} {
		if _, there := done[field]; there {
			t.Errorf("a succeeded StartSyncExecution has %s: %v", field, done)
		}
	}
	described := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", name))
	if described["Status"] != "Succeeded" || described["Output"] != done["Output"] || described["StartedTime"] != done["StartedTime"] || described["Input"] != `{"a":12345678901234567890}` {
		t.Errorf("DescribeExecution of %s: %v", name, described)
	}
	events := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", name))["Events"].([]any)
	if last := events[len(events)-1].(map[string]any); last["Type"] != "ExecutionSucceeded" {
		t.Errorf("the last event of %s: %v", name, last)
	}

	// The name is not unique: the same one again is another execution;
	// without one, the base is exec.
	if again := ok(t, e.call(t, "StartSyncExecution", "FlowName", flow, "ExecutionName", "order", "Input", `{"a":2}`)); again["Name"] == name || again["Status"] != "Succeeded" {
		t.Errorf("the same ExecutionName again: %v (first %s)", again, name)
	}
	if unnamed := ok(t, e.call(t, "StartSyncExecution", "FlowName", flow, "Input", `{"a":3}`)); !syncNameOf("exec").MatchString(unnamed["Name"].(string)) || unnamed["Output"] != `{"got":3}` {
		t.Errorf("without ExecutionName: %v", unnamed)
	}

	failed := ok(t, e.call(t, "StartSyncExecution", "FlowName", failing, "ExecutionName", "bad"))
	if failed["Status"] != "Failed" || failed["ErrorCode"] != "Order.Invalid" || failed["ErrorMessage"] != "no such order" || failed["Output"] != nil {
		t.Errorf("a failing sync execution: %v", failed)
	}
	checkTime(t, failed, "StoppedTime")

	timedOut := ok(t, e.call(t, "StartSyncExecution", "FlowName", timesOut))
	if timedOut["Status"] != "TimedOut" || timedOut["ErrorCode"] != "FnF.Timeout" || !strings.Contains(timedOut["ErrorMessage"].(string), "timeoutSeconds") {
		t.Errorf("a sync execution past its timeoutSeconds: %v", timedOut)
	}
}

// syncCall runs StartSyncExecution in the background: it answers only once
// the test has ended the execution.
func (e *testEnv) syncCall(params url.Values) <-chan reply {
	answer := make(chan reply, 1)
	go func() {
		params.Set("Action", "StartSyncExecution")
		resp, err := http.PostForm(e.url+"/", params)
		if err != nil {
			answer <- reply{status: -1, body: map[string]any{"error": err.Error()}}
			return
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			body = map[string]any{"error": err.Error()}
		}
		answer <- reply{resp.StatusCode, body}
	}()
	return answer
}

func awaitReply(t *testing.T, answer <-chan reply) map[string]any {
	t.Helper()
	select {
	case r := <-answer:
		return ok(t, r)
	case <-time.After(30 * time.Second):
		t.Fatal("StartSyncExecution did not answer")
		return nil
	}
}

// TestStartSyncExecutionWaits: a sync execution whose step waits for a
// callback answers when the report comes, with the report's error; one that
// is stopped answers Stopped with the StopExecution Error and Cause.
func TestStartSyncExecutionWaits(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createExpressFlow(t, flow, callbackFlow)

	answer := e.syncCall(url.Values{"FlowName": {flow}, "ExecutionName": {"reported"}, "Input": {`{"key":"` + flow + `/reported"}`}})
	tok := e.tokens.next(t, flow+"/reported")
	ok(t, e.call(t, "ReportTaskFailed", "TaskToken", tok, "Error", "Payment.Declined", "Cause", "card expired"))
	if failed := awaitReply(t, answer); failed["Status"] != "Failed" || failed["ErrorCode"] != "Payment.Declined" || failed["ErrorMessage"] != "card expired" {
		t.Errorf("a sync execution whose task was reported failed: %v", failed)
	}

	answer = e.syncCall(url.Values{"FlowName": {flow}, "ExecutionName": {"stopped"}, "Input": {`{"key":"` + flow + `/stopped"}`}})
	e.tokens.next(t, flow+"/stopped")
	var name string
	testenv.Eventually(t, "listing the waiting sync execution", 10*time.Second, func() error {
		listed := ok(t, e.get(t, "ListExecutions", "FlowName", flow, "ExecutionNamePrefix", "stopped", "Status", "Running", "MetadataOnly", "true"))["Executions"].([]any)
		if len(listed) != 1 {
			return fmt.Errorf("listed %v", listed)
		}
		name = listed[0].(map[string]any)["Name"].(string)
		return nil
	})
	ok(t, e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", name, "Error", "Operator.Stop", "Cause", "not today"))
	if stopped := awaitReply(t, answer); stopped["Status"] != "Stopped" || stopped["Name"] != name || stopped["ErrorCode"] != "Operator.Stop" || stopped["ErrorMessage"] != "not today" {
		t.Errorf("a stopped sync execution: %v", stopped)
	}
}

// TestReportEventIds: a report's reply names the event it produced, as the
// history shows it.
func TestReportEventIds(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	for _, tt := range []struct {
		name   string
		report []string
		want   string
	}{
		{"succeeds", []string{"ReportTaskSucceeded", "Output", `{"status":"ok"}`}, "TaskSucceeded"},
		{"fails", []string{"ReportTaskFailed", "Error", "Worker.Failed", "Cause", "broken"}, "TaskFailed"},
	} {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", tt.name, "Input", `{"key":"`+flow+"/"+tt.name+`"}`))
		tok := e.tokens.next(t, flow+"/"+tt.name)
		reported := ok(t, e.call(t, tt.report[0], append([]string{"TaskToken", tok}, tt.report[1:]...)...))
		ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", tt.name, "WaitTimeSeconds", "30"))
		var scheduled, ended float64
		for _, ev := range ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", tt.name))["Events"].([]any) {
			ev := ev.(map[string]any)
			switch ev["Type"] {
			case "TaskScheduled":
				scheduled = ev["EventId"].(float64)
			case tt.want:
				if ev["ScheduleEventId"] == scheduled {
					ended = ev["EventId"].(float64)
				}
			}
		}
		if ended == 0 || reported["EventId"] != ended {
			t.Errorf("%s: the reply's EventId %v, the history's %s event %v", tt.report[0], reported["EventId"], tt.want, ended)
		}
	}
}

// TestListExecutionsPayloads: items carry Input, FlowDefinition and, once
// succeeded, Output, as DescribeExecution has them; MetadataOnly leaves them
// out.
func TestListExecutionsPayloads(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "p1", "Input", `{"a":"x"}`))
	ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "p1", "WaitTimeSeconds", "30"))
	testenv.Eventually(t, "listing p1 with its payloads", 10*time.Second, func() error {
		listed := ok(t, e.get(t, "ListExecutions", "FlowName", flow, "Status", "Succeeded"))["Executions"].([]any)
		if len(listed) != 1 {
			return fmt.Errorf("listed %v", listed)
		}
		item := listed[0].(map[string]any)
		if item["Name"] != "p1" || item["Input"] != `{"a":"x"}` || item["Output"] != `{"got":"x"}` || item["FlowDefinition"] != passFlow {
			return fmt.Errorf("item %v", item)
		}
		return nil
	})
	bare := ok(t, e.get(t, "ListExecutions", "FlowName", flow, "MetadataOnly", "true"))["Executions"].([]any)
	if len(bare) != 1 {
		t.Fatalf("MetadataOnly listed %v", bare)
	}
	item := bare[0].(map[string]any)
	for _, field := range []string{"Input", "Output", "FlowDefinition"} {
		if _, there := item[field]; there {
			t.Errorf("a MetadataOnly item has %s: %v", field, item)
		}
	}
	if item["Status"] != "Succeeded" || item["Name"] != "p1" {
		t.Errorf("MetadataOnly item %v", item)
	}
}

// TestStartingStatus: an execution no worker has begun is Starting in the
// StartExecution reply, DescribeExecution and ListExecutions, and the
// Starting filter finds it; StopExecution answers with the execution object,
// Stopped.
func TestStartingStatus(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	cfg := e.cfg
	cfg.TaskQueue = "no-worker-polls-this"
	idle := httptest.NewServer(gateway.New(cfg))
	defer idle.Close()
	g := &testEnv{url: idle.URL}
	e.createFlow(t, flow, passFlow)

	started := ok(t, g.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "s1", "Input", `{"a":"x"}`))
	if started["Status"] != "Starting" {
		t.Errorf("StartExecution: %v", started)
	}
	if described := ok(t, g.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "s1")); described["Status"] != "Starting" {
		t.Errorf("DescribeExecution: %v", described)
	}
	testenv.Eventually(t, "listing s1 as Starting", 10*time.Second, func() error {
		for _, params := range [][]string{{"Status", "Starting"}, {"Status", "Starting", "MetadataOnly", "true"}, {}} {
			listed := ok(t, g.get(t, "ListExecutions", append([]string{"FlowName", flow}, params...)...))["Executions"].([]any)
			if len(listed) != 1 || listed[0].(map[string]any)["Status"] != "Starting" {
				return fmt.Errorf("ListExecutions %v: %v", params, listed)
			}
		}
		return nil
	})
	if running := ok(t, g.get(t, "ListExecutions", "FlowName", flow, "Status", "Running"))["Executions"].([]any); len(running) != 0 {
		t.Errorf("the Running filter lists %v", running)
	}

	stopped := ok(t, g.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "s1", "Error", "Operator.Stop"))
	if stopped["Status"] != "Stopped" || stopped["Name"] != "s1" || stopped["FlowName"] != flow || stopped["Input"] != `{"a":"x"}` || stopped["FlowDefinition"] != passFlow {
		t.Errorf("StopExecution: %v", stopped)
	}
	checkTime(t, stopped, "StartedTime")
	checkTime(t, stopped, "StoppedTime")
}

// TestStartSyncExecutionOutlastsWriteLimit: a server whose replies must be
// written within a second still answers a StartSyncExecution that takes
// two, while a DescribeExecution that waits as long is cut off.
func TestStartSyncExecutionOutlastsWriteLimit(t *testing.T) {
	e := integration(t)
	syncFlow, describeFlow := testenv.ResourceName(t, "-sync"), testenv.ResourceName(t, "-describe")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gateway.NewHTTPServer(gateway.New(e.cfg), gateway.Limits{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second, MaxHeaderBytes: 4 << 10})
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	strict := &testEnv{url: "http://" + ln.Addr().String()}
	e.createExpressFlow(t, syncFlow, "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: pause\n    duration: 2\n")

	if done := ok(t, strict.call(t, "StartSyncExecution", "FlowName", syncFlow)); done["Status"] != "Succeeded" {
		t.Errorf("StartSyncExecution: %v", done)
	}
	e.createFlow(t, describeFlow, callbackFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", describeFlow, "ExecutionName", "w", "Input", `{"key":"`+describeFlow+`/w"}`))
	e.tokens.next(t, describeFlow+"/w")
	t.Cleanup(func() { e.call(t, "StopExecution", "FlowName", describeFlow, "ExecutionName", "w") })
	resp, err := http.Get(strict.url + "/?Action=DescribeExecution&FlowName=" + describeFlow + "&ExecutionName=w&WaitTimeSeconds=2")
	if err == nil {
		resp.Body.Close()
		t.Errorf("a DescribeExecution past the write limit was answered: HTTP %d", resp.StatusCode)
	}
}
