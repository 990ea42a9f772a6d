package gateway_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/fnf"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/testenv"
)

// These tests drive the signed gateway with Alibaba's official core Go SDK,
// the stack the captures of reference fnf-api.md call "core": it signs every
// request (RPC v1), splits parameters between query and form body, and
// decodes our replies and errors case-sensitively.

// aliyun returns an fnf client signing with secret, and a function that
// points a request at the test gateway over plain HTTP.
func aliyun(t *testing.T, e *testEnv, secret string) (*fnf.Client, func(*requests.RpcRequest)) {
	t.Helper()
	c, err := fnf.NewClientWithAccessKey("cn-hangzhou", accessKeyID, secret)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(e.signedURL)
	if err != nil {
		t.Fatal(err)
	}
	return c, func(r *requests.RpcRequest) {
		r.Domain = u.Host
		r.Scheme = requests.HTTP
	}
}

// serverError fails the test unless err is the SDK's decoding of our error.
func serverError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("want a ServerError %d %s, got %T %v", status, code, err, err)
	}
	if se.HttpStatus() != status || se.ErrorCode() != code || se.RequestId() == "" || se.Message() == "" {
		t.Errorf("ServerError status %d code %q request %q message %q, want %d %s", se.HttpStatus(), se.ErrorCode(), se.RequestId(), se.Message(), status, code)
	}
}

func TestSDKFlows(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow, invalid := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-invalid")

	create := fnf.CreateCreateFlowRequest()
	at(create.RpcRequest)
	create.Name, create.Definition, create.Description, create.Type = flow, passFlow, "made by the SDK", "FDL"
	created, err := c.CreateFlow(create)
	if err != nil {
		t.Fatal(err)
	}
	if created.Name != flow || created.Definition != passFlow || created.Type != "FDL" || created.ExecutionMode != "Standard" ||
		created.Id == "" || created.RequestId == "" || !wireTime.MatchString(created.CreatedTime) {
		t.Errorf("CreateFlow response %+v", created)
	}
	_, err = c.CreateFlow(create)
	serverError(t, err, 409, "FlowAlreadyExists")

	describe := fnf.CreateDescribeFlowRequest()
	at(describe.RpcRequest)
	describe.Name = flow
	described, err := c.DescribeFlow(describe)
	if err != nil {
		t.Fatal(err)
	}
	if described.Id != created.Id || described.Description != "made by the SDK" || described.LastModifiedTime != created.LastModifiedTime {
		t.Errorf("DescribeFlow response %+v", described)
	}
	describe.Name = "no_such_flow"
	_, err = c.DescribeFlow(describe)
	serverError(t, err, 404, "FlowNotExists")

	// An invalid definition is refused with every diagnostic in the message.
	create.Name, create.Definition = invalid, "version: v1\ntype: flow\nsteps:\n  - type: pass\n"
	_, err = c.CreateFlow(create)
	serverError(t, err, 400, "InvalidArgument")

	// A wrong secret is a signature error.
	wrong, at := aliyun(t, e, "not the secret")
	describe = fnf.CreateDescribeFlowRequest()
	at(describe.RpcRequest)
	describe.Name = flow
	_, err = wrong.DescribeFlow(describe)
	serverError(t, err, 403, "SignatureNotMatch")
}

// TestSDKListAndDeleteFlows: ListFlows pages through NextToken and
// DeleteFlow removes a flow, through the SDK's own methods.
func TestSDKListAndDeleteFlows(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	prefix := testenv.ResourceName(t, "-")
	for _, name := range []string{prefix + "a", prefix + "b"} {
		e.createFlow(t, name, passFlow)
	}
	testenv.Eventually(t, "ListFlows through the SDK", 30*time.Second, func() error {
		// A request each try: the SDK keeps a parameter it once sent, so a
		// NextToken set back to "" would still go out.
		list := fnf.CreateListFlowsRequest()
		at(list.RpcRequest)
		list.Limit = requests.NewInteger(1)
		seen := map[string]bool{}
		for {
			page, err := c.ListFlows(list)
			if err != nil {
				return err
			}
			if len(page.Flows) > 1 {
				return fmt.Errorf("a page of %d flows with Limit 1", len(page.Flows))
			}
			for _, f := range page.Flows {
				seen[f.Name] = true
			}
			if list.NextToken = page.NextToken; list.NextToken == "" {
				break
			}
		}
		if !seen[prefix+"a"] || !seen[prefix+"b"] {
			return fmt.Errorf("listed %v", seen)
		}
		return nil
	})
	zero := fnf.CreateListFlowsRequest()
	at(zero.RpcRequest)
	zero.Limit = requests.NewInteger(0)
	_, err := c.ListFlows(zero)
	serverError(t, err, 400, "InvalidArgument")

	del := fnf.CreateDeleteFlowRequest()
	at(del.RpcRequest)
	del.Name = prefix + "a"
	if resp, err := c.DeleteFlow(del); err != nil || resp.RequestId == "" {
		t.Fatalf("DeleteFlow: %+v, %v", resp, err)
	}
	describe := fnf.CreateDescribeFlowRequest()
	at(describe.RpcRequest)
	describe.Name = prefix + "a"
	_, err = c.DescribeFlow(describe)
	serverError(t, err, 404, "FlowNotExists")
	_, err = c.DeleteFlow(del)
	serverError(t, err, 404, "FlowNotExists")
}

func TestSDKReports(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)

	run, tok := e.startParked(t, "sdk-succeeds")
	succeeded := fnf.CreateReportTaskSucceededRequest()
	at(succeeded.RpcRequest)
	succeeded.TaskToken, succeeded.Output = tok, `{"result":"ok ü","n":1}`
	resp, err := c.ReportTaskSucceeded(succeeded)
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestId == "" || resp.EventId != 0 {
		t.Errorf("ReportTaskSucceeded response %+v", resp)
	}
	if out, err := result(t, run); err != nil || out["result"] != "ok ü" {
		t.Errorf("workflow result %v, %v", out, err)
	}
	_, err = c.ReportTaskSucceeded(succeeded)
	serverError(t, err, 400, "TaskAlreadyCompleted")

	run, tok = e.startParked(t, "sdk-fails")
	failed := fnf.CreateReportTaskFailedRequest()
	at(failed.RpcRequest)
	failed.TaskToken, failed.Error, failed.Cause = tok, "Worker.Failed", "boom: it broke\nsecond line"
	if _, err := c.ReportTaskFailed(failed); err != nil {
		t.Fatal(err)
	}
	_, err = result(t, run)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "Worker.Failed" || appErr.Message() != "boom: it broke\nsecond line" {
		t.Errorf("workflow error %v", err)
	}

	failed.TaskToken = "tok/with+special chars*~&x=y"
	_, err = c.ReportTaskFailed(failed)
	serverError(t, err, 400, "InvalidArgument")
}

func TestSDKExecutions(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)

	start := fnf.CreateStartExecutionRequest()
	at(start.RpcRequest)
	start.FlowName, start.ExecutionName, start.Input = flow, "r1", `{"a":"b"}`
	started, err := c.StartExecution(start)
	if err != nil {
		t.Fatal(err)
	}
	if started.Name != "r1" || started.FlowName != flow || started.Input != `{"a":"b"}` || started.FlowDefinition != passFlow {
		t.Errorf("StartExecution response %+v", started)
	}

	describe := fnf.CreateDescribeExecutionRequest()
	at(describe.RpcRequest)
	describe.FlowName, describe.ExecutionName, describe.WaitTimeSeconds = flow, "r1", requests.NewInteger(30)
	done, err := c.DescribeExecution(describe)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "Succeeded" || done.Output != `{"got":"b"}` || !wireTime.MatchString(done.StoppedTime) {
		t.Errorf("DescribeExecution response %+v", done)
	}

	history := fnf.CreateGetExecutionHistoryRequest()
	at(history.RpcRequest)
	history.FlowName, history.ExecutionName, history.Limit = flow, "r1", requests.NewInteger(2)
	page, err := c.GetExecutionHistory(history)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 2 || page.Events[0].EventId != 1 || page.Events[0].Type != "ExecutionStarted" || page.NextToken != "2" {
		t.Fatalf("GetExecutionHistory response %+v", page)
	}
	var detail map[string]map[string]string
	if err := json.Unmarshal([]byte(page.Events[0].EventDetail), &detail); err != nil || detail["input"]["a"] != "b" {
		t.Errorf("EventDetail %q: %v", page.Events[0].EventDetail, err)
	}

	list := fnf.CreateListExecutionsRequest()
	at(list.RpcRequest)
	list.FlowName, list.Status = flow, "Succeeded"
	testenv.Eventually(t, "ListExecutions through the SDK", 10*time.Second, func() error {
		listed, err := c.ListExecutions(list)
		if err != nil {
			return err
		}
		if len(listed.Executions) != 1 || listed.Executions[0].Name != "r1" {
			return errors.New("r1 not listed yet")
		}
		return nil
	})
}

// TestSDKCallbackTaskToken: an execution started through the SDK with
// CallbackFnFTaskToken reports its output to the waiting task when it ends;
// a token that does not open is refused before anything starts.
func TestSDKCallbackTaskToken(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	parent, child := testenv.ResourceName(t, "-parent"), testenv.ResourceName(t, "-child")
	e.createFlow(t, parent, callbackFlow)
	e.createFlow(t, child, `version: v1
type: flow
steps:
  - type: pass
    name: answer
    outputMappings:
      - target: status
        source: $input.verdict
`)
	ok(t, e.call(t, "StartExecution", "FlowName", parent, "ExecutionName", "p1", "Input", `{"key":"`+parent+`/p1"}`))
	tok := e.tokens.next(t, parent+"/p1")

	start := fnf.CreateStartExecutionRequest()
	at(start.RpcRequest)
	start.FlowName, start.ExecutionName, start.Input, start.CallbackFnFTaskToken = child, "c1", `{"verdict":"approved"}`, tok
	if _, err := c.StartExecution(start); err != nil {
		t.Fatal(err)
	}
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", parent, "ExecutionName", "p1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" || done["Output"] != `{"s":"approved"}` {
		t.Errorf("the parent after its child ended: %v", done)
	}

	forged := fnf.CreateStartExecutionRequest()
	at(forged.RpcRequest)
	forged.FlowName, forged.ExecutionName, forged.CallbackFnFTaskToken = child, "c2", tok[:len(tok)-4]+"AAAA"
	_, err := c.StartExecution(forged)
	serverError(t, err, 400, "InvalidArgument")
	wantError(t, e.get(t, "DescribeExecution", "FlowName", child, "ExecutionName", "c2"), 404, "ExecutionNotExists")
}

// TestSDKExpressFlows: CreateFlow with ExecutionMode Express, then
// StartSyncExecution through the SDK's own method, its success and failure
// replies, and the refusals of a start of the other mode.
func TestSDKExpressFlows(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow, failing := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-fails")
	for name, definition := range map[string]string{flow: passFlow, failing: failFlow} {
		create := fnf.CreateCreateFlowRequest()
		at(create.RpcRequest)
		create.Name, create.Definition, create.Description, create.Type, create.ExecutionMode = name, definition, "express", "FDL", "Express"
		created, err := c.CreateFlow(create)
		if err != nil {
			t.Fatal(err)
		}
		if created.ExecutionMode != "Express" {
			t.Errorf("CreateFlow response %+v", created)
		}
	}

	start := fnf.CreateStartSyncExecutionRequest()
	at(start.RpcRequest)
	start.FlowName, start.ExecutionName, start.Input = flow, "order", `{"a":"b"}`
	done, err := c.StartSyncExecution(start)
	if err != nil {
		t.Fatal(err)
	}
	if !syncNameOf("order").MatchString(done.Name) || done.FlowName != flow || done.Status != "Succeeded" || done.Output != `{"got":"b"}` ||
		done.ErrorCode != "" || !wireTime.MatchString(done.StartedTime) || !wireTime.MatchString(done.StoppedTime) || done.RequestId == "" {
		t.Errorf("StartSyncExecution response %+v", done)
	}
	start.FlowName = failing
	failed, err := c.StartSyncExecution(start)
	if err != nil {
		t.Fatal(err)
	}
	if failed.Status != "Failed" || failed.ErrorCode != "Order.Invalid" || failed.ErrorMessage != "no such order" || failed.Output != "" {
		t.Errorf("StartSyncExecution of a failing flow: %+v", failed)
	}
	start.FlowName = "no_such_flow"
	_, err = c.StartSyncExecution(start)
	serverError(t, err, 404, "FlowNotExists")

	async := fnf.CreateStartExecutionRequest()
	at(async.RpcRequest)
	async.FlowName = flow
	_, err = c.StartExecution(async)
	serverError(t, err, 400, "InvalidArgument")

	// The core SDK's UpdateFlow has no ExecutionMode field; a caller adds
	// the parameter.
	update := fnf.CreateUpdateFlowRequest()
	at(update.RpcRequest)
	update.Name = flow
	update.FormParams["ExecutionMode"] = "Standard"
	if _, err := c.UpdateFlow(update); err != nil {
		t.Fatal(err)
	}
	describe := fnf.CreateDescribeFlowRequest()
	at(describe.RpcRequest)
	describe.Name = flow
	if described, err := c.DescribeFlow(describe); err != nil || described.ExecutionMode != "Standard" {
		t.Errorf("DescribeFlow after UpdateFlow to Standard: %+v, %v", described, err)
	}
	start.FlowName = flow
	_, err = c.StartSyncExecution(start)
	serverError(t, err, 400, "InvalidArgument")
	if _, err := c.StartExecution(async); err != nil {
		t.Errorf("StartExecution once the flow is Standard: %v", err)
	}
}

// TestSDKReplyFields: the fields the SDK's response structs have are filled
// as the service fills them: a report's EventId is its event in the
// history; ListExecutions items have Input, Output and FlowDefinition;
// StopExecution answers with the execution object.
func TestSDKReplyFields(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)

	start := fnf.CreateStartExecutionRequest()
	at(start.RpcRequest)
	start.FlowName, start.ExecutionName, start.Input = flow, "reported", `{"key":"`+flow+`/reported"}`
	if _, err := c.StartExecution(start); err != nil {
		t.Fatal(err)
	}
	report := fnf.CreateReportTaskSucceededRequest()
	at(report.RpcRequest)
	report.TaskToken, report.Output = e.tokens.next(t, flow+"/reported"), `{"status":"done"}`
	reported, err := c.ReportTaskSucceeded(report)
	if err != nil {
		t.Fatal(err)
	}
	describe := fnf.CreateDescribeExecutionRequest()
	at(describe.RpcRequest)
	describe.FlowName, describe.ExecutionName, describe.WaitTimeSeconds = flow, "reported", requests.NewInteger(30)
	if done, err := c.DescribeExecution(describe); err != nil || done.Status != "Succeeded" {
		t.Fatalf("DescribeExecution: %+v, %v", done, err)
	}
	history := fnf.CreateGetExecutionHistoryRequest()
	at(history.RpcRequest)
	history.FlowName, history.ExecutionName = flow, "reported"
	page, err := c.GetExecutionHistory(history)
	if err != nil {
		t.Fatal(err)
	}
	var succeeded int64
	for _, ev := range page.Events {
		if ev.Type == "TaskSucceeded" {
			succeeded = ev.EventId
		}
	}
	if succeeded == 0 || reported.EventId != succeeded {
		t.Errorf("ReportTaskSucceeded EventId %d, the history's TaskSucceeded %d", reported.EventId, succeeded)
	}

	list := fnf.CreateListExecutionsRequest()
	at(list.RpcRequest)
	list.FlowName, list.Status = flow, "Succeeded"
	testenv.Eventually(t, "ListExecutions with payloads through the SDK", 10*time.Second, func() error {
		listed, err := c.ListExecutions(list)
		if err != nil {
			return err
		}
		if len(listed.Executions) != 1 {
			return fmt.Errorf("listed %+v", listed.Executions)
		}
		if x := listed.Executions[0]; x.Name != "reported" || x.Input != `{"key":"`+flow+`/reported"}` || x.Output != `{"s":"done"}` || x.FlowDefinition != callbackFlow {
			return fmt.Errorf("item %+v", x)
		}
		return nil
	})
	// The core SDK has no MetadataOnly field (the tea SDK has); a caller adds
	// the parameter.
	list.QueryParams["MetadataOnly"] = "true"
	if bare, err := c.ListExecutions(list); err != nil || len(bare.Executions) != 1 || bare.Executions[0].Input != "" || bare.Executions[0].Status != "Succeeded" {
		t.Errorf("ListExecutions MetadataOnly: %+v, %v", bare, err)
	}

	start.ExecutionName, start.Input = "stopped", `{"key":"`+flow+`/stopped"}`
	if _, err := c.StartExecution(start); err != nil {
		t.Fatal(err)
	}
	e.tokens.next(t, flow+"/stopped")
	stop := fnf.CreateStopExecutionRequest()
	at(stop.RpcRequest)
	stop.FlowName, stop.ExecutionName, stop.Error, stop.Cause = flow, "stopped", "Operator.Stop", "enough"
	stopped, err := c.StopExecution(stop)
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status != "Stopped" || stopped.Name != "stopped" || stopped.FlowName != flow || stopped.Input != start.Input ||
		stopped.FlowDefinition != callbackFlow || !wireTime.MatchString(stopped.StartedTime) || !wireTime.MatchString(stopped.StoppedTime) || stopped.Output != "" {
		t.Errorf("StopExecution response %+v", stopped)
	}
	_, err = c.StopExecution(stop)
	serverError(t, err, 400, "ExecutionAlreadyCompleted")
	stop.ExecutionName = "never_started"
	_, err = c.StopExecution(stop)
	serverError(t, err, 404, "ExecutionNotExists")
}

// TestSDKStarting: through a signing gateway whose task queue no worker
// polls, the SDK sees a new execution Starting.
func TestSDKStarting(t *testing.T) {
	e := integration(t)
	cfg := e.cfg
	cfg.TaskQueue = "no-worker-polls-this"
	cfg.AccessKeys = acs.NewKeys(map[string]string{accessKeyID: accessKeySecret})
	idle := httptest.NewServer(gateway.New(cfg))
	defer idle.Close()
	c, at := aliyun(t, &testEnv{signedURL: idle.URL}, accessKeySecret)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)

	start := fnf.CreateStartExecutionRequest()
	at(start.RpcRequest)
	start.FlowName, start.ExecutionName = flow, "s1"
	started, err := c.StartExecution(start)
	if err != nil {
		t.Fatal(err)
	}
	describe := fnf.CreateDescribeExecutionRequest()
	at(describe.RpcRequest)
	describe.FlowName, describe.ExecutionName = flow, "s1"
	described, err := c.DescribeExecution(describe)
	if err != nil || started.Status != "Starting" || described.Status != "Starting" {
		t.Errorf("StartExecution %+v, DescribeExecution %+v, %v: want Starting", started, described, err)
	}
	stop := fnf.CreateStopExecutionRequest()
	at(stop.RpcRequest)
	stop.FlowName, stop.ExecutionName = flow, "s1"
	if stopped, err := c.StopExecution(stop); err != nil || stopped.Status != "Stopped" {
		t.Errorf("StopExecution %+v, %v", stopped, err)
	}
}

// TestSDKUnknownAction: the SDK's common request for an action the API does
// not have gets ActionNotSupported.
func TestSDKUnknownAction(t *testing.T) {
	e := integration(t)
	c, _ := aliyun(t, e, accessKeySecret)
	req := requests.NewCommonRequest()
	req.Product, req.Version, req.ApiName, req.Method = "fnf", "2019-03-15", "LaunchRocket", requests.POST
	u, err := url.Parse(e.signedURL)
	if err != nil {
		t.Fatal(err)
	}
	req.Domain, req.Scheme = u.Host, requests.HTTP
	_, err = c.ProcessCommonRequest(req)
	serverError(t, err, 400, "ActionNotSupported")
}
