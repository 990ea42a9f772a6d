package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// TestReadRequestRefusesTwoValues: a parameter has one value, whichever
// places it was sent in, so that no value can stand in for the signed one.
func TestReadRequestRefusesTwoValues(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		req  *http.Request
	}{
		// The tea SDK sends empty values; a captured request replayed with a
		// query value appended must not run with it.
		{"empty form value, query value", newHTTPRequest("POST", "/?Action=StartExecution&ExecutionName=x", form, "FlowName=f&ExecutionName=&Input=")},
		{"form value, other query value", newHTTPRequest("POST", "/?Action=StartExecution&ExecutionName=x", form, "ExecutionName=y")},
		{"twice in the query", newHTTPRequest("GET", "/?Action=DescribeFlow&ExecutionName=a&ExecutionName=b", "", "")},
		{"twice in the form", newHTTPRequest("POST", "/?Action=StartExecution", form, "ExecutionName=a&ExecutionName=")},
		{"JSON key twice", newHTTPRequest("POST", "/", "application/json", `{"Action":"StartExecution","ExecutionName":"a","ExecutionName":"b"}`)},
		{"JSON value, other query value", newHTTPRequest("POST", "/?ExecutionName=b", "application/json", `{"Action":"StartExecution","ExecutionName":"a"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRequest(tt.req)
			if got := asAPIError(err); err == nil || got.code != "InvalidArgument" || !strings.Contains(got.message, "ExecutionName") {
				t.Errorf("got %v, want InvalidArgument naming ExecutionName", err)
			}
		})
	}
}

func TestReadRequestRefusesInvalidUTF8(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	for name, req := range map[string]*http.Request{
		"query value":      newHTTPRequest("GET", "/?Action=DescribeFlow&Name=f%FF", "", ""),
		"query name":       newHTTPRequest("GET", "/?Action=DescribeFlow&N%C3=f", "", ""),
		"form value":       newHTTPRequest("POST", "/?Action=ReportTaskFailed", form, "TaskToken=t&Error=e&Cause=%C3%28"),
		"JSON string":      newHTTPRequest("POST", "/", "application/json", "{\"Action\":\"ReportTaskFailed\",\"Cause\":\"\xc3\x28\"}"),
		"JSON object text": newHTTPRequest("POST", "/", "application/json", "{\"Action\":\"StartExecution\",\"Input\":{\"a\":\"\xff\"}}"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readRequest(req)
			if got := asAPIError(err); err == nil || got.code != "InvalidArgument" || !strings.Contains(got.message, "UTF-8") {
				t.Errorf("got %v, want InvalidArgument about UTF-8", err)
			}
		})
	}
}

// TestFlowNamesChecked: every flow action checks the name before the flow
// store is called (offlineServer has none: reaching it panics).
func TestFlowNamesChecked(t *testing.T) {
	s := offlineServer(t)
	for _, action := range []string{"CreateFlow", "DescribeFlow", "UpdateFlow", "DeleteFlow"} {
		for _, name := range []string{"flüw", "fl\x00w", "a/b", strings.Repeat("f", 129), "9lives"} {
			status, body := serve(t, s, form(action, "Name", name, "Definition", "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n"))
			if status != http.StatusBadRequest || body["Code"] != "InvalidArgument" {
				t.Errorf("%s %q: got %d %v, want 400 InvalidArgument", action, name, status, body)
			}
		}
	}
}
