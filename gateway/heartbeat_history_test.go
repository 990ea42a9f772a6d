package gateway_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/fnf"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// taskEndDetail reads GetExecutionHistory and returns the detail of the one
// event of type typ.
func (e *testEnv) taskEndDetail(t *testing.T, flow, execution, typ string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, ev := range ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", execution))["Events"].([]any) {
		if ev := ev.(map[string]any); ev["Type"] == typ {
			found = append(found, jsonText(t, ev["EventDetail"]))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s events in the history of %s, want 1", len(found), typ, execution)
	}
	return found[0]
}

// heartbeatSignalsAndMarkers counts, in Temporal's own history of an
// execution, the heartbeats reports forwarded and the version markers that
// took them in.
func (e *testEnv) heartbeatSignalsAndMarkers(t *testing.T, flow, execution string) (signals, markers int) {
	t.Helper()
	iter := e.temporal.GetWorkflowHistory(context.Background(), interpreter.ExecutionWorkflowID(flow, execution), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == interpreter.TaskHeartbeatSignal {
			signals++
		}
		var change string
		if id := ev.GetMarkerRecordedEventAttributes().GetDetails()["change-id"]; id != nil && converter.GetDefaultDataConverter().FromPayloads(id, &change) == nil && change == "task-heartbeat-history" {
			markers++
		}
	}
	return signals, markers
}

// The event that ends a reported task shows the last heartbeat its worker
// sent, as ListWaitingTasks showed it just before the report: after
// ReportTaskSucceeded, ReportTaskFailed and ReportStepSucceeded, through the
// official Go SDK. A task whose worker sent none shows no lastHeartbeat,
// also when the task heartbeated on its own while it was handed over
// (heartbeatSeconds), and costs its execution no signal and no marker.
func TestHeartbeatsInTheHistory(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	call := sdkExtensions(t, e)
	hbFlow, pathFlow := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-path")
	e.createFlow(t, hbFlow, heartbeatFlow)
	e.createFlow(t, pathFlow, callbackFlow)
	// start returns the token once the hand-off is recorded: the hand-off's
	// own last heartbeat, which replaces any sent before, is then done.
	start := func(flow, name string) string {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", `{"key":"`+flow+"/"+name+`"}`))
		tok := e.tokens.next(t, flow+"/"+name)
		e.awaitWaiting(t, flow, name, 1)
		return tok
	}
	heartbeat := func(tok, details string) {
		t.Helper()
		params := map[string]string{"TaskToken": tok}
		if details != "" {
			params["Details"] = details
		}
		if _, err := call("ReportTaskHeartbeat", params); err != nil {
			t.Fatalf("ReportTaskHeartbeat: %v", err)
		}
	}
	// lastListed is the heartbeat ListWaitingTasks shows for the one task
	// of the execution.
	lastListed := func(flow, name string) map[string]any {
		t.Helper()
		return e.awaitWaiting(t, flow, name, 1)[0]
	}

	succeeded := start(hbFlow, "s1")
	heartbeat(succeeded, `{"progress":1}`)
	heartbeat(succeeded, `{"progress":2,"note":"ü"}`)
	listed := lastListed(hbFlow, "s1")
	report := fnf.CreateReportTaskSucceededRequest()
	at(report.RpcRequest)
	report.TaskToken, report.Output = succeeded, `{"status":"ok"}`
	if _, err := c.ReportTaskSucceeded(report); err != nil {
		t.Fatal(err)
	}
	detail := e.taskEndDetail(t, hbFlow, "s1", "TaskSucceeded")
	hb, _ := detail["lastHeartbeat"].(map[string]any)
	if details, _ := json.Marshal(hb["details"]); string(details) != `{"note":"ü","progress":2}` || hb["time"] != listed["LastHeartbeat"] {
		t.Errorf("TaskSucceeded shows lastHeartbeat %v; ListWaitingTasks showed %v at %v", hb, listed["HeartbeatDetails"], listed["LastHeartbeat"])
	}
	checkTime(t, hb, "time")

	failed := start(hbFlow, "f1")
	heartbeat(failed, `{"progress":1}`)
	heartbeat(failed, "")
	listed = lastListed(hbFlow, "f1")
	failure := fnf.CreateReportTaskFailedRequest()
	at(failure.RpcRequest)
	failure.TaskToken, failure.Error, failure.Cause = failed, "Worker.Failed", "gave up"
	if _, err := c.ReportTaskFailed(failure); err != nil {
		t.Fatal(err)
	}
	detail = e.taskEndDetail(t, hbFlow, "f1", "TaskFailed")
	hb, _ = detail["lastHeartbeat"].(map[string]any)
	if _, has := hb["details"]; has || hb["time"] != listed["LastHeartbeat"] || detail["error"] != "Worker.Failed" {
		t.Errorf("TaskFailed shows %v; the last heartbeat had no details and was at %v", detail, listed["LastHeartbeat"])
	}

	byPath := start(pathFlow, "p1")
	heartbeat(byPath, `{"page":3}`)
	listed = lastListed(pathFlow, "p1")
	if _, err := call("ReportStepSucceeded", map[string]string{"FlowName": pathFlow, "ExecutionName": "p1", "StepPath": "wait_here"}); err != nil {
		t.Fatal(err)
	}
	hb, _ = e.taskEndDetail(t, pathFlow, "p1", "TaskSucceeded")["lastHeartbeat"].(map[string]any)
	if details, _ := json.Marshal(hb["details"]); string(details) != `{"page":3}` || hb["time"] != listed["LastHeartbeat"] {
		t.Errorf("TaskSucceeded after ReportStepSucceeded shows lastHeartbeat %v; ListWaitingTasks showed %v", hb, listed)
	}

	quiet := start(hbFlow, "q1")
	lastListed(hbFlow, "q1")
	report.TaskToken = quiet
	if _, err := c.ReportTaskSucceeded(report); err != nil {
		t.Fatal(err)
	}
	if detail := e.taskEndDetail(t, hbFlow, "q1", "TaskSucceeded"); detail["lastHeartbeat"] != nil {
		t.Errorf("a task without heartbeats ends with %v", detail)
	}
	if signals, markers := e.heartbeatSignalsAndMarkers(t, hbFlow, "q1"); signals != 0 || markers != 0 {
		t.Errorf("a task without heartbeats cost %d signals and %d markers", signals, markers)
	}
	if signals, markers := e.heartbeatSignalsAndMarkers(t, hbFlow, "s1"); signals != 1 || markers != 1 {
		t.Errorf("a task with heartbeats cost %d signals and %d markers, want one of each", signals, markers)
	}
}
