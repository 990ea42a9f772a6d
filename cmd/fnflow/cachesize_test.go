package main

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// TestWorkflowCacheOfOne runs a worker whose workflow cache holds one
// execution, with two executions taking turns step by step: each time a
// step of one is reported, the worker has let it go for the other and
// rebuilds it from its history (a replay of the interpreter), and both
// still end with every step's output. Temporal shows no sign of the
// eviction in the history (the next task still goes to the worker's sticky
// queue, which takes it with the whole history), so the test checks the
// outcome.
func TestWorkflowCacheOfOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	stack := &localStack{gatewayURL: startFaultProcesses(t, ctx, "--workflow-cache-size", "1").gatewayURL}
	mustAPI(t, stack, "CreateFlow", url.Values{"Name": {faultFlowName}, "Definition": {faultFlow}, "Type": {"FDL"}})
	names := []string{"one", "two"}
	for _, name := range names {
		mustAPI(t, stack, "StartExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {name}})
	}
	for _, step := range []string{"first", "second"} {
		for _, name := range names {
			token := submittedToken(t, ctx, stack, name, step)
			mustAPI(t, stack, "ReportTaskSucceeded", url.Values{"TaskToken": {token}, "Output": {`{"value":"` + name + `"}`}})
		}
	}
	for _, name := range names {
		exec := mustAPI(t, stack, "DescribeExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {name}, "WaitTimeSeconds": {"30"}})
		var output map[string]any
		_ = json.Unmarshal([]byte(exec["Output"].(string)), &output)
		if want := map[string]any{"first": name, "second": name}; exec["Status"] != "Succeeded" || !reflect.DeepEqual(output, want) {
			t.Errorf("%s: want Succeeded with %v, got %v with %v", name, want, exec["Status"], exec["Output"])
		}
	}
}
