package gateway_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/fnflow/fnflow/internal/testenv"
)

// These tests drive fnflow's extensions (docs/api.md, Extensions):
// ReportTaskHeartbeat, ReportStepSucceeded and ReportStepFailed, and
// ListWaitingTasks, over plain HTTP and through the official Go SDK's
// generic CommonRequest.

// heartbeatFlow is callbackFlow with heartbeatSeconds, its heartbeat timeout
// caught.
const heartbeatFlow = `version: v1
type: flow
steps:
  - type: task
    name: wait_here
    resourceArn: acs:fc:::services/test/functions/hand-over
    pattern: waitForCallback
    heartbeatSeconds: 3
    inputMappings:
      - target: key
        source: $input.key
      - target: taskToken
        source: $context.task.token
    catch:
      - errors: [FnF.HeartbeatTimeout]
        goto: lost
    errorMappings:
      - target: lost
        source: $local.cause
  - type: succeed
    name: done
  - type: pass
    name: lost
`

// approvalsFlow waits for one approval per item, all at the same step path.
const approvalsFlow = `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: task
        name: approve
        resourceArn: acs:fc:::services/test/functions/hand-over
        pattern: waitForCallback
        inputMappings:
          - target: key
            source: $input.key
          - target: taskToken
            source: $context.task.token
        outputMappings:
          - target: verdict
            source: $local.verdict
    outputMappings:
      - target: verdicts
        source: $local[*].verdict
`

// waitingTasks lists the waiting tasks of one execution, or of the flow
// when execution is "".
func (e *testEnv) waitingTasks(t *testing.T, flow, execution string) []map[string]any {
	t.Helper()
	list := ok(t, e.get(t, "ListWaitingTasks", "FlowName", flow, "ExecutionName", execution))
	if list["NextToken"] != nil {
		t.Fatalf("one page expected: %v", list)
	}
	var tasks []map[string]any
	for _, x := range list["Tasks"].([]any) {
		tasks = append(tasks, x.(map[string]any))
	}
	return tasks
}

// waitingPagesOfOne lists waiting tasks with ListWaitingTasks a task a page
// (Limit 1), following NextToken to the end: the tasks of every page, or why
// a page was wrong (more than one task, more than maxPages pages).
func (e *testEnv) waitingPagesOfOne(t *testing.T, maxPages int, params ...string) ([]map[string]any, error) {
	t.Helper()
	var tasks []map[string]any
	next := ""
	for pages := 0; ; pages++ {
		if pages > maxPages {
			return nil, errors.New("too many pages")
		}
		page := ok(t, e.get(t, "ListWaitingTasks", append(params, "Limit", "1", "NextToken", next)...))
		items := page["Tasks"].([]any)
		if len(items) > 1 {
			return nil, fmt.Errorf("a page of %d", len(items))
		}
		for _, x := range items {
			tasks = append(tasks, x.(map[string]any))
		}
		if next, _ = page["NextToken"].(string); next == "" {
			return tasks, nil
		}
	}
}

// awaitWaiting waits until n tasks of the execution wait for a report.
func (e *testEnv) awaitWaiting(t *testing.T, flow, execution string, n int) []map[string]any {
	t.Helper()
	var tasks []map[string]any
	testenv.Eventually(t, fmt.Sprintf("%d tasks waiting in %s", n, execution), 20*time.Second, func() error {
		if tasks = e.waitingTasks(t, flow, execution); len(tasks) != n {
			return fmt.Errorf("%d waiting: %v", len(tasks), tasks)
		}
		return nil
	})
	return tasks
}

func TestReportTaskHeartbeat(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, heartbeatFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "h1", "Input", `{"key":"`+flow+`/h1"}`))
	tok := e.tokens.next(t, flow+"/h1")
	waiting := e.awaitWaiting(t, flow, "h1", 1)[0]
	if waiting["LastHeartbeat"] != nil || waiting["HeartbeatDetails"] != nil {
		t.Errorf("a heartbeat before any was reported: %v", waiting)
	}

	// Heartbeats for four seconds, past the three of heartbeatSeconds.
	for i := range 8 {
		beat := ok(t, e.callJSON(t, fmt.Sprintf(`{"Action":"ReportTaskHeartbeat","TaskToken":%q,"Details":{"progress":%d,"note":"ü"}}`, tok, i)))
		if len(beat) != 1 {
			t.Errorf("ReportTaskHeartbeat reply %v, want only RequestId", beat)
		}
		time.Sleep(500 * time.Millisecond)
	}
	waiting = e.waitingTasks(t, flow, "h1")[0]
	if waiting["HeartbeatDetails"] != `{"progress":7,"note":"ü"}` || waiting["TaskToken"] != tok {
		t.Errorf("waiting task after heartbeats: %v", waiting)
	}
	checkTime(t, waiting, "LastHeartbeat")
	if waiting["LastHeartbeat"].(string) <= waiting["Since"].(string) {
		t.Errorf("LastHeartbeat %v is not after Since %v", waiting["LastHeartbeat"], waiting["Since"])
	}

	// A heartbeat without details, and the requests the gateway refuses.
	ok(t, e.call(t, "ReportTaskHeartbeat", "TaskToken", tok))
	wantError(t, e.call(t, "ReportTaskHeartbeat", "TaskToken", tok, "Details", "{not json"), 400, "InvalidArgument")
	wantError(t, e.call(t, "ReportTaskHeartbeat", "TaskToken", tok, "Details", `"`+strings.Repeat("x", 32<<10)+`"`), 400, "InvalidArgument")
	wantError(t, e.call(t, "ReportTaskHeartbeat", "TaskToken", tok[:len(tok)-4]+"AAAA"), 400, "InvalidArgument")
	wantError(t, e.call(t, "ReportTaskHeartbeat"), 400, "MissingRequiredParams")

	// Heartbeats stop: the step fails with FnF.HeartbeatTimeout, caught.
	// The last heartbeat had no details, so the cause quotes none.
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "h1", "WaitTimeSeconds", "30"))
	out := jsonText(t, done["Output"])
	if lost := fmt.Sprint(out["lost"]); done["Status"] != "Succeeded" || !strings.Contains(lost, "heartbeatSeconds (3 s)") || strings.Contains(lost, "details") {
		t.Errorf("DescribeExecution: %v", done)
	}
	timedOut := false
	for _, ev := range ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "h1"))["Events"].([]any) {
		ev := ev.(map[string]any)
		if ev["Type"] == "TaskTimedOut" && jsonText(t, ev["EventDetail"])["error"] == "FnF.HeartbeatTimeout" {
			timedOut = true
		}
	}
	if !timedOut {
		t.Error("the history has no TaskTimedOut with FnF.HeartbeatTimeout")
	}
	wantError(t, e.call(t, "ReportTaskHeartbeat", "TaskToken", tok), 400, "TaskAlreadyCompleted")
	if got := e.waitingTasks(t, flow, "h1"); len(got) != 0 {
		t.Errorf("an ended execution still waits: %v", got)
	}
}

func TestReportStepByPath(t *testing.T) {
	e := integration(t)
	flow, failing := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-fails")
	e.createFlow(t, flow, approvalsFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "a1", "Input", `{"key":"`+flow+`/a1","items":["x","y"]}`))
	tokens := []string{e.tokens.next(t, flow+"/a1"), e.tokens.next(t, flow+"/a1")}
	waiting := e.awaitWaiting(t, flow, "a1", 2)
	var ids []string
	for _, w := range waiting {
		if w["StepPath"] != "each/approve" || w["StepName"] != "approve" || w["Attempt"] != 1.0 || !slices.Contains(tokens, w["TaskToken"].(string)) {
			t.Errorf("waiting task %v", w)
		}
		checkTime(t, w, "Since")
		ids = append(ids, fmt.Sprint(w["TaskEventId"]))
	}

	// Two iterations wait at each/approve: a report must say which.
	ambiguous := e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "Output", `{"verdict":"yes"}`)
	wantError(t, ambiguous, 400, "AmbiguousTask")
	for _, id := range ids {
		if !strings.Contains(ambiguous.body["Message"].(string), "TaskEventId "+id+" ") {
			t.Errorf("the candidates %v are not all in %q", ids, ambiguous.body["Message"])
		}
	}
	// The second iteration first, by its TaskEventId.
	reported := ok(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "TaskEventId", ids[1], "Output", `{"verdict":"second"}`))
	if reported["StepPath"] != "each/approve" || fmt.Sprint(reported["TaskEventId"]) != ids[1] {
		t.Errorf("ReportStepSucceeded reply %v", reported)
	}
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "TaskEventId", ids[1]), 400, "TaskAlreadyCompleted")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/nope"), 400, "TaskNotWaiting")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "Output", "[1]"), 400, "InvalidArgument")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1"), 400, "MissingRequiredParams")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "TaskEventId", "0"), 400, "InvalidArgument")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "nope", "StepPath", "each/approve"), 404, "ExecutionNotExists")
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", "nope", "ExecutionName", "a1", "StepPath", "each/approve"), 404, "FlowNotExists")
	// One left: the path alone names it.
	ok(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve", "Output", `{"verdict":"first"}`))
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "a1", "WaitTimeSeconds", "30"))
	// In collection order, whichever iteration was scheduled first.
	if done["Status"] != "Succeeded" || done["Output"] != `{"verdicts":["first","second"]}` && done["Output"] != `{"verdicts":["second","first"]}` {
		t.Errorf("DescribeExecution: %v", done)
	}
	wantError(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "a1", "StepPath", "each/approve"), 400, "TaskNotWaiting")
	for _, tok := range tokens {
		wantError(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok), 400, "TaskAlreadyCompleted")
	}

	// ReportStepFailed fails the step with the report's error.
	e.createFlow(t, failing, callbackFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", failing, "ExecutionName", "f1", "Input", `{"key":"`+failing+`/f1"}`))
	e.tokens.next(t, failing+"/f1")
	e.awaitWaiting(t, failing, "f1", 1)
	wantError(t, e.call(t, "ReportStepFailed", "FlowName", failing, "ExecutionName", "f1", "StepPath", "wait_here"), 400, "MissingRequiredParams")
	wantError(t, e.call(t, "ReportStepFailed", "FlowName", failing, "ExecutionName", "f1", "StepPath", "wait_here", "Error", strings.Repeat("E", 129)), 400, "InvalidArgument")
	ok(t, e.call(t, "ReportStepFailed", "FlowName", failing, "ExecutionName", "f1", "StepPath", "wait_here", "Error", "Approval.Denied", "Cause", "no budget"))
	ok(t, e.get(t, "DescribeExecution", "FlowName", failing, "ExecutionName", "f1", "WaitTimeSeconds", "30"))
	events := ok(t, e.get(t, "GetExecutionHistory", "FlowName", failing, "ExecutionName", "f1"))["Events"].([]any)
	last := events[len(events)-1].(map[string]any)
	if detail := jsonText(t, last["EventDetail"]); last["Type"] != "ExecutionFailed" || detail["error"] != "Approval.Denied" || detail["cause"] != "no budget" {
		t.Errorf("last event %v", last)
	}
}

// A task still being handed over is not waiting yet: a report by path gets
// TaskInvalidState, to be retried, and succeeds once the hand-off is done.
func TestReportStepDuringHandoff(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	// The test's function hands the token over on a channel; filled up, it
	// holds the hand-off until the test reads.
	box := e.tokens.ch(flow + "/s1")
	for len(box) < cap(box) {
		box <- "filler"
	}
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "s1", "Input", `{"key":"`+flow+`/s1"}`))
	testenv.Eventually(t, "the hand-off is pending", 20*time.Second, func() error {
		r := e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "s1", "StepPath", "wait_here")
		if r.status != 409 || r.body["Code"] != "TaskInvalidState" {
			return fmt.Errorf("got %d %v", r.status, r.body)
		}
		return nil
	})
	if got := e.waitingTasks(t, flow, "s1"); len(got) != 0 {
		t.Errorf("a task being handed over is listed: %v", got)
	}
	for range cap(box) {
		<-box
	}
	e.awaitWaiting(t, flow, "s1", 1)
	ok(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "s1", "StepPath", "wait_here", "Output", `{"status":"late"}`))
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "s1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" || done["Output"] != `{"s":"late"}` {
		t.Errorf("DescribeExecution: %v", done)
	}
}

func TestListWaitingTasksAcrossAFlow(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	want := map[string]string{}
	for _, name := range []string{"i1", "i2", "i3", "i4"} {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", `{"key":"`+flow+"/"+name+`"}`))
		want[name] = e.tokens.next(t, flow+"/"+name)
	}
	ok(t, e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "i4"))
	delete(want, "i4")
	t.Cleanup(func() {
		for name := range want {
			e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", name)
		}
	})
	for name := range want {
		e.awaitWaiting(t, flow, name, 1)
	}

	// Pages of one, then all at once; visibility lists the stopped execution
	// as running for a moment.
	testenv.Eventually(t, "paging through the inbox", 20*time.Second, func() error {
		tasks, err := e.waitingPagesOfOne(t, 10, "FlowName", flow)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, x := range tasks {
			if _, seen := got[x["ExecutionName"].(string)]; seen || x["FlowName"] != flow || x["StepPath"] != "wait_here" {
				return fmt.Errorf("item %v", x)
			}
			got[x["ExecutionName"].(string)] = x["TaskToken"].(string)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("listed %v, want %v", got, want)
		}
		if all := e.waitingTasks(t, flow, ""); len(all) != len(want) {
			return fmt.Errorf("one page of %d tasks, want %d", len(all), len(want))
		}
		return nil
	})
	wantError(t, e.get(t, "ListWaitingTasks", "FlowName", flow, "NextToken", "bm90IGEgdG9rZW4"), 400, "InvalidArgument")
	wantError(t, e.get(t, "ListWaitingTasks", "FlowName", flow, "Limit", "101"), 400, "InvalidArgument")
	wantError(t, e.get(t, "ListWaitingTasks", "FlowName", flow, "ExecutionName", "nope"), 404, "ExecutionNotExists")
	wantError(t, e.get(t, "ListWaitingTasks", "FlowName", "nope"), 404, "FlowNotExists")
	wantError(t, e.get(t, "ListWaitingTasks", "ExecutionName", "i1"), 400, "MissingRequiredParams")
}

// TestListWaitingTasksAcrossEveryFlow: without FlowName, ListWaitingTasks
// pages through the waiting tasks of every flow, each task once.
func TestListWaitingTasksAcrossEveryFlow(t *testing.T) {
	e := integration(t)
	want := map[string]string{}
	for _, flow := range []string{testenv.ResourceName(t, "-a"), testenv.ResourceName(t, "-b")} {
		e.createFlow(t, flow, callbackFlow)
		for _, name := range []string{"w1", "w2"} {
			ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", `{"key":"`+flow+"/"+name+`"}`))
			want[flow+"/"+name] = e.tokens.next(t, flow+"/"+name)
			t.Cleanup(func() { e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", name) })
		}
	}
	testenv.Eventually(t, "paging through every flow's waiting tasks", 20*time.Second, func() error {
		tasks, err := e.waitingPagesOfOne(t, 200)
		if err != nil {
			return err
		}
		got := map[string]int{}
		for _, x := range tasks {
			key := x["FlowName"].(string) + "/" + x["ExecutionName"].(string)
			if tok, ours := want[key]; ours && x["TaskToken"] != tok {
				return fmt.Errorf("task of %s with another token", key)
			}
			got[key]++
		}
		for key := range want {
			if got[key] != 1 {
				return fmt.Errorf("%s listed %d times", key, got[key])
			}
		}
		return nil
	})
}

// sdkExtensions returns a function that calls an extension through the
// official Go SDK's generic CommonRequest, signed, as a Go worker would.
func sdkExtensions(t *testing.T, e *testEnv) func(action string, params map[string]string) (map[string]any, error) {
	c, _ := aliyun(t, e, accessKeySecret)
	host := strings.TrimPrefix(e.signedURL, "http://")
	return func(action string, params map[string]string) (map[string]any, error) {
		req := requests.NewCommonRequest()
		req.Method, req.Scheme, req.Domain = requests.POST, requests.HTTP, host
		req.Product, req.Version, req.ApiName = "fnf", "2019-03-15", action
		for name, value := range params {
			req.FormParams[name] = value
		}
		resp, err := c.ProcessCommonRequest(req)
		if err != nil {
			return nil, err
		}
		var body map[string]any
		if err := json.Unmarshal(resp.GetHttpContentBytes(), &body); err != nil {
			t.Fatalf("%s reply %q: %v", action, resp.GetHttpContentString(), err)
		}
		return body, nil
	}
}

// TestSDKExtensions calls the extensions through the official Go SDK.
func TestSDKExtensions(t *testing.T) {
	e := integration(t)
	call := sdkExtensions(t, e)
	host := strings.TrimPrefix(e.signedURL, "http://")
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	for _, name := range []string{"x1", "x2"} {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", `{"key":"`+flow+"/"+name+`"}`))
	}
	tok := e.tokens.next(t, flow+"/x1")
	e.tokens.next(t, flow+"/x2")
	e.awaitWaiting(t, flow, "x1", 1)
	e.awaitWaiting(t, flow, "x2", 1)

	if _, err := call("ReportTaskHeartbeat", map[string]string{"TaskToken": tok, "Details": `{"step":"resize"}`}); err != nil {
		t.Fatal(err)
	}
	listed, err := call("ListWaitingTasks", map[string]string{"FlowName": flow, "ExecutionName": "x1"})
	if err != nil {
		t.Fatal(err)
	}
	tasks := listed["Tasks"].([]any)
	if len(tasks) != 1 || tasks[0].(map[string]any)["TaskToken"] != tok || tasks[0].(map[string]any)["HeartbeatDetails"] != `{"step":"resize"}` {
		t.Fatalf("ListWaitingTasks: %v", listed)
	}
	reported, err := call("ReportStepSucceeded", map[string]string{"FlowName": flow, "ExecutionName": "x1", "StepPath": "wait_here", "Output": `{"status":"by path"}`})
	if err != nil || reported["StepPath"] != "wait_here" || reported["RequestId"] == "" {
		t.Fatalf("ReportStepSucceeded: %v %v", reported, err)
	}
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "x1", "WaitTimeSeconds", "30"))
	if done["Output"] != `{"s":"by path"}` {
		t.Errorf("DescribeExecution: %v", done)
	}
	_, err = call("ReportTaskHeartbeat", map[string]string{"TaskToken": tok})
	serverError(t, err, 400, "TaskAlreadyCompleted")
	_, err = call("ReportStepSucceeded", map[string]string{"FlowName": flow, "ExecutionName": "x1", "StepPath": "wait_here"})
	serverError(t, err, 400, "TaskNotWaiting")

	if _, err := call("ReportStepFailed", map[string]string{"FlowName": flow, "ExecutionName": "x2", "StepPath": "wait_here", "Error": "Worker.Gone"}); err != nil {
		t.Fatal(err)
	}
	if failed := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "x2", "WaitTimeSeconds", "30")); failed["Status"] != "Failed" {
		t.Errorf("DescribeExecution: %v", failed)
	}
	// Signed like every action.
	wrong, _ := aliyun(t, e, "not the secret")
	req := requests.NewCommonRequest()
	req.Method, req.Scheme, req.Domain = requests.POST, requests.HTTP, host
	req.Product, req.Version, req.ApiName = "fnf", "2019-03-15", "ListWaitingTasks"
	req.FormParams["FlowName"] = flow
	_, err = wrong.ProcessCommonRequest(req)
	serverError(t, err, 403, "SignatureNotMatch")
}

// A retried step waits again at the same path with the next attempt number
// and a new token.
func TestWaitingTaskAttempts(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, strings.Replace(callbackFlow, "    outputMappings:", `    retry:
      - errors: [Again]
        intervalSeconds: 1
    outputMappings:`, 1))
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "r1", "Input", `{"key":"`+flow+`/r1"}`))
	first := e.awaitWaiting(t, flow, "r1", 1)[0]
	if first["Attempt"] != 1.0 || first["TaskToken"] != e.tokens.next(t, flow+"/r1") {
		t.Fatalf("first attempt %v", first)
	}
	ok(t, e.call(t, "ReportStepFailed", "FlowName", flow, "ExecutionName", "r1", "StepPath", "wait_here", "Error", "Again"))
	var second map[string]any
	testenv.Eventually(t, "the second attempt waits", 20*time.Second, func() error {
		tasks := e.waitingTasks(t, flow, "r1")
		if len(tasks) != 1 || tasks[0]["TaskEventId"] == first["TaskEventId"] {
			return fmt.Errorf("waiting %v", tasks)
		}
		second = tasks[0]
		return nil
	})
	if second["Attempt"] != 2.0 || second["TaskToken"] != e.tokens.next(t, flow+"/r1") || second["TaskToken"] == first["TaskToken"] {
		t.Errorf("second attempt %v, first %v", second, first)
	}
	ok(t, e.call(t, "ReportStepSucceeded", "FlowName", flow, "ExecutionName", "r1", "StepPath", "wait_here", "TaskEventId", fmt.Sprint(second["TaskEventId"]), "Output", `{"status":"ok"}`))
	if done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "r1", "WaitTimeSeconds", "30")); done["Output"] != `{"s":"ok"}` {
		t.Errorf("DescribeExecution: %v", done)
	}
}
