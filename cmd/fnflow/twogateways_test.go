package main

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTwoGatewaysOneTemporal runs two `fnflow gateway` processes, A and B,
// with one worker against one Temporal server: what is made or reported
// through one is what the other shows, and A, killed with SIGKILL and
// started again, loses nothing: the flow, its schedule, the execution and
// the report it took are all there, and it serves the rest of the
// execution.
func TestTwoGatewaysOneTemporal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	workerMetrics, aMetrics := reservePort(t), reservePort(t)
	d := newFaultDeployment(t, "--metrics-addr", workerMetrics, "--waiting-count-interval", "100ms")
	a := d.gateway(t, "gateway-a", "--metrics-addr", aMetrics)
	b := d.gateway(t, "gateway-b")
	d.server.start(t, ctx)
	d.worker.start(t, ctx)
	a.start(t, ctx)
	b.start(t, ctx)
	gwA, gwB := &localStack{gatewayURL: "http://" + a.httpAddr}, &localStack{gatewayURL: "http://" + b.httpAddr}
	waiting := func(n string) func() bool {
		return func() bool {
			return strings.Contains(scrape(t, "http://"+workerMetrics), "\nfnflow_callback_steps_waiting "+n+"\n")
		}
	}

	mustAPI(t, gwA, "CreateFlow", url.Values{"Name": {faultFlowName}, "Definition": {faultFlow}, "Description": {"two gateways"}, "Type": {"FDL"}})
	// Yearly, at the new year: it does not fire while the test runs.
	mustAPI(t, gwA, "CreateSchedule", url.Values{"FlowName": {faultFlowName}, "ScheduleName": {"yearly"}, "CronExpression": {"0 0 0 1 1 *"}, "Payload": {`{"from":"A"}`}})
	flowsAgree(t, gwA, gwB)

	mustAPI(t, gwB, "StartExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {"two"}})
	first := submittedToken(t, ctx, gwB, "two", "first")
	waitFor(t, "the worker counts the waiting step", 20*time.Second, waiting("1"))
	mustAPI(t, gwA, "ReportTaskSucceeded", url.Values{"TaskToken": {first}, "Output": {`{"value":"through A"}`}})
	second := submittedToken(t, ctx, gwB, "two", "second")

	a.kill(t)
	a.start(t, ctx)
	flowsAgree(t, gwA, gwB)
	if exec := mustAPI(t, gwA, "DescribeExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {"two"}}); exec["Status"] != "Running" {
		t.Fatalf("after A's restart the execution still waits on its second step: got %v", exec["Status"])
	}
	mustAPI(t, gwA, "ReportTaskSucceeded", url.Values{"TaskToken": {second}, "Output": {`{"value":"A again"}`}})
	exec := mustAPI(t, gwB, "DescribeExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {"two"}, "WaitTimeSeconds": {"30"}})
	var output map[string]any
	_ = json.Unmarshal([]byte(exec["Output"].(string)), &output)
	if want := map[string]any{"first": "through A", "second": "A again"}; exec["Status"] != "Succeeded" || !reflect.DeepEqual(output, want) {
		t.Fatalf("want Succeeded with %v, got %v with %v", want, exec["Status"], exec["Output"])
	}

	for _, read := range []struct {
		action string
		params url.Values
	}{
		{"DescribeExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {"two"}}},
		{"GetExecutionHistory", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {"two"}}},
		// Visibility may show the end a moment after the execution itself.
		{"ListExecutions", url.Values{"FlowName": {faultFlowName}, "Status": {"Succeeded"}}},
	} {
		waitFor(t, read.action+" reads the same through A and B", 10*time.Second, func() bool {
			fromA, fromB := withoutRequestID(mustAPI(t, gwA, read.action, read.params)), withoutRequestID(mustAPI(t, gwB, read.action, read.params))
			return reflect.DeepEqual(fromA, fromB) && (read.action != "ListExecutions" || len(fromA["Executions"].([]any)) == 1)
		})
	}
	waitFor(t, "the worker counts no waiting step", 20*time.Second, waiting("0"))

	worker := scrape(t, "http://"+workerMetrics)
	if want := `fnflow_worker_callback_handoffs_total{outcome="submitted"} 2`; !strings.Contains(worker, want+"\n") {
		t.Errorf("the worker's metrics lack %s", want)
	}
	// A counts from its restart: the one report it took since.
	gateway := scrape(t, "http://"+aMetrics)
	for _, want := range []string{
		`fnflow_gateway_requests_total{action="ReportTaskSucceeded",code="200"} 1`,
		`fnflow_gateway_callback_reports_total{report="succeeded",result="OK"} 1`,
	} {
		if !strings.Contains(gateway, want+"\n") {
			t.Errorf("gateway A's metrics lack %s", want)
		}
	}
}

// flowsAgree checks that both gateways list and describe the same flow and
// its schedule.
func flowsAgree(t *testing.T, gwA, gwB *localStack) {
	t.Helper()
	for _, read := range []struct {
		action string
		params url.Values
		// listed is where a list holds its items, which visibility may
		// show a moment late: one is wanted.
		listed string
	}{
		{"ListFlows", nil, "Flows"},
		{"DescribeFlow", url.Values{"Name": {faultFlowName}}, ""},
		{"DescribeSchedule", url.Values{"FlowName": {faultFlowName}, "ScheduleName": {"yearly"}}, ""},
		{"ListSchedules", url.Values{"FlowName": {faultFlowName}}, "Schedules"},
	} {
		var fromA, fromB map[string]any
		waitFor(t, read.action+" reads the same through A and B", 10*time.Second, func() bool {
			fromA, fromB = withoutRequestID(mustAPI(t, gwA, read.action, read.params)), withoutRequestID(mustAPI(t, gwB, read.action, read.params))
			items, _ := fromA[read.listed].([]any)
			return reflect.DeepEqual(fromA, fromB) && (read.listed == "" || len(items) == 1)
		})
	}
}

// withoutRequestID is a reply without the ID of the request it answered.
func withoutRequestID(reply map[string]any) map[string]any {
	delete(reply, "RequestId")
	return reply
}
