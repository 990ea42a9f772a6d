package gateway

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fnflow/fnflow/internal/token"
)

// offlineServer has no Temporal client and no flow store: every request these
// tests send must be answered before either is needed, and one that reached
// them would panic the test.
func offlineServer(t *testing.T) *Server {
	t.Helper()
	signer, err := token.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Tokens: signer, Logger: quietLogger})
}

var quietLogger = slog.New(slog.DiscardHandler)

// serve sends one request and decodes the JSON reply.
func serve(t *testing.T, h http.Handler, r *http.Request) (int, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("reply is not a JSON object: %v: %s", err, w.Body.String())
	}
	return w.Code, body
}

func form(action string, params ...string) *http.Request {
	values := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		values.Set(params[i], params[i+1])
	}
	return newHTTPRequest("POST", "/?Action="+action+"&Version=2019-03-15", "application/x-www-form-urlencoded", values.Encode())
}

func jsonRequest(body string) *http.Request {
	return newHTTPRequest("POST", "/", "application/json", body)
}

func TestErrorReplies(t *testing.T) {
	s := offlineServer(t)
	sign := func(b []byte) string { return s.cfg.Tokens.Sign(b) }
	validToken := sign([]byte("a Temporal task token"))
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		// message, when set, must be in the reply's Message.
		message string
	}{
		{"unknown action", form("LaunchRocket"), 400, "ActionNotSupported", "LaunchRocket"},
		{"no action", newHTTPRequest("GET", "/", "", ""), 400, "MissingRequiredParams", "Action"},
		{"other version", newHTTPRequest("GET", "/?Action=ListFlows&Version=2016-01-01", "", ""), 400, "APIVersionNotSupported", "2016-01-01"},
		{"other version in the header", func() *http.Request {
			r := newHTTPRequest("GET", "/", "", "")
			r.Header.Set("x-acs-action", "ListFlows")
			r.Header.Set("x-acs-version", "2020-01-01")
			return r
		}(), 400, "APIVersionNotSupported", ""},
		{"too large", form("CreateFlow", "Name", "f", "Definition", strings.Repeat("#", maxPayload)), 400, "EntityTooLarge", "1048576"},
		{"unsupported media type", newHTTPRequest("POST", "/?Action=ListFlows", "application/xml", "<x/>"), 415, "UnsupportedMediaType", ""},
		{"other path", newHTTPRequest("GET", "/v2/flows", "", ""), 404, "NotFound", "/v2/flows"},
		// No path form: the reply says where the action goes.
		{"action as a path", newHTTPRequest("POST", "/ReportTaskSucceeded", "application/x-www-form-urlencoded", "TaskToken=t&Output={}"), 404, "NotFound", "POST /?Action=ReportTaskSucceeded"},
		{"other method", newHTTPRequest("PUT", "/?Action=ListFlows", "", ""), 405, "MethodNotAllowed", ""},

		{"forged token", form("ReportTaskSucceeded", "TaskToken", "t1.forgedforgedforgedforgedforgedforgedforgedforged", "Output", "{}"), 400, "InvalidArgument", token.Redact("t1.forgedforgedforgedforgedforgedforgedforgedforged")},
		{"truncated token", form("ReportTaskSucceeded", "TaskToken", validToken[:len(validToken)-3], "Output", "{}"), 400, "InvalidArgument", ""},
		{"token of another deployment", form("ReportTaskFailed", "TaskToken", otherSigner(t).Sign([]byte("a Temporal task token")), "Error", "E"), 400, "InvalidArgument", ""},
		{"no token", form("ReportTaskSucceeded", "Output", "{}"), 400, "MissingRequiredParams", "TaskToken"},
		{"Output not JSON", form("ReportTaskSucceeded", "TaskToken", validToken, "Output", "ok"), 400, "InvalidArgument", "Output"},
		{"Output an array", jsonRequest(`{"Action":"ReportTaskSucceeded","TaskToken":"` + validToken + `","Output":[1]}`), 400, "InvalidArgument", "Output"},
		{"failure without Error", form("ReportTaskFailed", "TaskToken", validToken, "Cause", "c"), 400, "MissingRequiredParams", "Error"},
		{"Error too long", form("ReportTaskFailed", "TaskToken", validToken, "Error", strings.Repeat("E", 129)), 400, "InvalidArgument", "128"},
		{"Cause too long", form("ReportTaskFailed", "TaskToken", validToken, "Error", "E", "Cause", strings.Repeat("c", 4097)), 400, "InvalidArgument", "4096"},

		{"flow name with a slash", form("CreateFlow", "Name", "a/b", "Definition", "x"), 400, "InvalidArgument", "a/b"},
		{"flow name too long", form("CreateFlow", "Name", strings.Repeat("a", 129), "Definition", "x"), 400, "InvalidArgument", ""},
		{"flow without definition", form("CreateFlow", "Name", "f"), 400, "MissingRequiredParams", "Definition"},
		{"invalid definition", form("CreateFlow", "Name", "my_flow", "Definition", "version: v1\ntype: flow\nsteps:\n  - type: pass\n  - type: nope\n    name: x\n"), 400, "InvalidArgument", "my_flow:4:"},
		{"flow type", form("CreateFlow", "Name", "f", "Definition", passFlow, "Type", "StateMachine"), 400, "InvalidArgument", "FDL"},
		{"execution mode", form("CreateFlow", "Name", "f", "Definition", passFlow, "ExecutionMode", "Fast"), 400, "InvalidArgument", "ExecutionMode"},
		{"execution mode of an update", form("UpdateFlow", "Name", "f", "ExecutionMode", "express"), 400, "InvalidArgument", "ExecutionMode"},
		{"update to an invalid definition", form("UpdateFlow", "Name", "f", "Definition", "steps: 3"), 400, "InvalidArgument", ""},
		{"list limit", newHTTPRequest("GET", "/?Action=ListFlows&Limit=0", "", ""), 400, "InvalidArgument", "Limit"},

		{"execution name", form("StartExecution", "FlowName", "f", "ExecutionName", "9lives"), 400, "InvalidArgument", "9lives"},
		{"sync execution name", form("StartSyncExecution", "FlowName", "f", "ExecutionName", "a:b"), 400, "InvalidArgument", "a:b"},
		{"sync input not an object", form("StartSyncExecution", "FlowName", "f", "Input", "[]"), 400, "InvalidArgument", "Input"},
		{"name with a colon but no UUID", newHTTPRequest("GET", "/?Action=DescribeExecution&FlowName=f&ExecutionName=e:1", "", ""), 400, "InvalidArgument", "e:1"},
		{"list metadata only", newHTTPRequest("GET", "/?Action=ListExecutions&FlowName=f&MetadataOnly=yes", "", ""), 400, "InvalidArgument", "MetadataOnly"},
		{"input not an object", form("StartExecution", "FlowName", "f", "Input", `"text"`), 400, "InvalidArgument", "Input"},
		{"callback token of a parent", form("StartExecution", "FlowName", "f", "CallbackFnFTaskToken", "t"), 400, "InvalidArgument", "CallbackFnFTaskToken"},
		{"describe without execution", newHTTPRequest("GET", "/?Action=DescribeExecution&FlowName=f", "", ""), 400, "MissingRequiredParams", "ExecutionName"},
		{"wait too long", newHTTPRequest("GET", "/?Action=DescribeExecution&FlowName=f&ExecutionName=e&WaitTimeSeconds=61", "", ""), 400, "InvalidArgument", "WaitTimeSeconds"},
		{"stop Error too long", form("StopExecution", "FlowName", "f", "ExecutionName", "e", "Error", strings.Repeat("E", 129)), 400, "InvalidArgument", "Error"},
		{"list status", newHTTPRequest("GET", "/?Action=ListExecutions&FlowName=f&Status=Done", "", ""), 400, "InvalidArgument", "Status"},
		{"list prefix", newHTTPRequest("GET", "/?Action=ListExecutions&FlowName=f&ExecutionNamePrefix=a'b", "", ""), 400, "InvalidArgument", "ExecutionNamePrefix"},
		{"list time", newHTTPRequest("GET", "/?Action=ListExecutions&FlowName=f&StartedTimeBegin=yesterday", "", ""), 400, "InvalidArgument", "StartedTimeBegin"},
		{"history page token", newHTTPRequest("GET", "/?Action=GetExecutionHistory&FlowName=f&ExecutionName=e&NextToken=abc", "", ""), 400, "InvalidArgument", "NextToken"},
		{"history limit", newHTTPRequest("GET", "/?Action=GetExecutionHistory&FlowName=f&ExecutionName=e&Limit=1001", "", ""), 400, "InvalidArgument", "Limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := serve(t, s, tt.req)
			if status != tt.status || body["Code"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, body, tt.status, tt.code)
			}
			checkErrorBody(t, body)
			if !strings.Contains(body["Message"].(string), tt.message) {
				t.Errorf("Message %q does not say %q", body["Message"], tt.message)
			}
		})
	}
}

// checkErrorBody checks the error JSON: exactly the five fields, all strings
// (the core Go SDK panics on anything else), a UUID RequestId.
func checkErrorBody(t *testing.T, body map[string]any) {
	t.Helper()
	for _, field := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if _, ok := body[field].(string); !ok {
			t.Errorf("%s is %T, want a string", field, body[field])
		}
	}
	if len(body) != 5 {
		t.Errorf("error reply has %d fields: %v", len(body), body)
	}
	if _, err := uuid.Parse(body["RequestId"].(string)); err != nil {
		t.Errorf("RequestId %q is not a UUID", body["RequestId"])
	}
}

func TestInvalidDefinitionListsEveryError(t *testing.T) {
	def := "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: a\n  - type: wait\n    name: b\n  - type: choice\n    name: c\n"
	status, body := serve(t, offlineServer(t), form("CreateFlow", "Name", "my_flow", "Definition", def))
	if status != 400 || body["Code"] != "InvalidArgument" {
		t.Fatalf("got %d %v", status, body)
	}
	lines := strings.Split(body["Message"].(string), "\n")
	var diagnostics []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "my_flow:") {
			diagnostics = append(diagnostics, l)
		}
	}
	if len(diagnostics) < 2 || len(diagnostics) != len(lines)-1 {
		t.Errorf("want one my_flow:line:col line per error, got %q", body["Message"])
	}
}

func TestRequestIDHeader(t *testing.T) {
	w := httptest.NewRecorder()
	offlineServer(t).ServeHTTP(w, form("Nope"))
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if id := w.Header().Get("x-acs-request-id"); id == "" || id != body["RequestId"] {
		t.Errorf("x-acs-request-id %q, body RequestId %v", id, body["RequestId"])
	}
}

func otherSigner(t *testing.T) *token.Signer {
	t.Helper()
	signer, err := token.NewSigner([]byte("another deployment's key, 32 bytes or more"))
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

const passFlow = "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n"
