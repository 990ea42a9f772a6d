package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/internal/pagetoken"
)

func newHTTPRequest(method, target, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func TestReadRequestParams(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		req         *http.Request
		want        map[string]string
		wantAction  string
		wantVersion string
	}{
		{
			name:       "query only",
			req:        newHTTPRequest("GET", "/?Action=DescribeFlow&Name=a+b%2Bc", form, ""),
			want:       map[string]string{"Name": "a b+c"},
			wantAction: "DescribeFlow",
		},
		{
			name:        "query and form, merged by name",
			req:         newHTTPRequest("POST", "/?Action=ReportTaskSucceeded&Version=2019-03-15&TaskToken=t", form, "Output=%7B%7D&Extra=x"),
			want:        map[string]string{"TaskToken": "t", "Output": "{}", "Extra": "x"},
			wantAction:  "ReportTaskSucceeded",
			wantVersion: "2019-03-15",
		},
		{
			name: "empty is a value, read as not given",
			req:  newHTTPRequest("POST", "/?Action=CreateFlow&Description=", form, "Output=&RoleArn="),
			want: map[string]string{"Description": "", "Output": "", "RoleArn": "", "Missing": ""},
		},
		{
			name: "the same value twice, in one place or two",
			req:  newHTTPRequest("POST", "/?Name=f&Name=f&Description=d", form, "Description=d"),
			want: map[string]string{"Name": "f", "Description": "d"},
		},
		{
			name:       "form body without a content type",
			req:        newHTTPRequest("POST", "/?Action=DeleteFlow", "", "Name=f"),
			want:       map[string]string{"Name": "f"},
			wantAction: "DeleteFlow",
		},
		{
			name: "JSON body: strings as they are, objects and numbers as JSON text, null absent",
			req: newHTTPRequest("POST", "/?Format=JSON&Limit=10", "application/json; charset=utf-8",
				`{"Action":"ReportTaskSucceeded","TaskToken":"t1.x","Output":{"status": "ok", "n": [1, 2.50]},"Limit":10,"Cause":null,"Flag":true}`),
			want:       map[string]string{"Format": "JSON", "TaskToken": "t1.x", "Output": `{"status":"ok","n":[1,2.50]}`, "Limit": "10", "Cause": "", "Flag": "true"},
			wantAction: "ReportTaskSucceeded",
		},
		{
			name: "JSON body with Input as a JSON string",
			req:  newHTTPRequest("POST", "/", "application/json", `{"Action":"StartExecution","Input":"{\"a\":1}"}`),
			want: map[string]string{"Input": `{"a":1}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readRequest(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := r.param(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if tt.wantAction != "" && r.action() != tt.wantAction {
				t.Errorf("action %q, want %q", r.action(), tt.wantAction)
			}
			if r.version() != tt.wantVersion {
				t.Errorf("version %q, want %q", r.version(), tt.wantVersion)
			}
		})
	}
}

func TestActionAndVersionFromHeaders(t *testing.T) {
	req := newHTTPRequest("GET", "/?FlowName=f", "", "")
	req.Header.Set("x-acs-action", "ListExecutions")
	req.Header.Set("x-acs-version", "2019-03-15")
	r, err := readRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.action() != "ListExecutions" || r.version() != "2019-03-15" {
		t.Errorf("action %q version %q", r.action(), r.version())
	}
	// The query wins over the headers.
	req = newHTTPRequest("GET", "/?Action=ListFlows", "", "")
	req.Header.Set("x-acs-action", "ListExecutions")
	if r, _ := readRequest(req); r.action() != "ListFlows" {
		t.Errorf("action %q, want the query's ListFlows", r.action())
	}
}

func TestReadRequestRefusals(t *testing.T) {
	big := strings.Repeat("x", maxPayload)
	tests := []struct {
		name string
		req  *http.Request
		code string
	}{
		{"body over 1 MiB", newHTTPRequest("POST", "/?Action=CreateFlow", "application/x-www-form-urlencoded", "Definition="+big), "EntityTooLarge"},
		{"JSON body over 1 MiB", newHTTPRequest("POST", "/", "application/json", `{"Output":"`+big+`"}`), "EntityTooLarge"},
		{"JSON body not an object", newHTTPRequest("POST", "/", "application/json", `["Action"]`), "InvalidArgument"},
		{"JSON body not JSON", newHTTPRequest("POST", "/", "application/json", `{"Action":`), "InvalidArgument"},
		{"other content type", newHTTPRequest("POST", "/", "text/plain", "hello"), "UnsupportedMediaType"},
		{"bad query", newHTTPRequest("GET", "/?Action=%zz", "", ""), "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRequest(tt.req)
			if got := asAPIError(err); err == nil || got.code != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
}

func TestJSONObjectParam(t *testing.T) {
	tests := []struct {
		value, want, code string
	}{
		{value: "", want: "{}"},
		{value: `{ "a" : 1.0, "b": {"c": [true, null]} }`, want: `{"a":1.0,"b":{"c":[true,null]}}`},
		{value: `[1]`, code: "InvalidArgument"},
		{value: `"text"`, code: "InvalidArgument"},
		{value: `null`, code: "InvalidArgument"},
		{value: `{"a":1} {"b":2}`, code: "InvalidArgument"},
		{value: `{"a":`, code: "InvalidArgument"},
	}
	for _, tt := range tests {
		r := &request{params: map[string]string{"Output": tt.value}}
		got, err := r.jsonObject("Output")
		if tt.code != "" {
			if asAPIError(err).code != tt.code {
				t.Errorf("%q: got %s, %v; want %s", tt.value, got, err, tt.code)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: got %s, %v; want %s", tt.value, got, err, tt.want)
		}
	}
}

func TestIntParam(t *testing.T) {
	r := &request{params: map[string]string{"Limit": "1001", "Wait": "x", "Ok": "7"}}
	if _, err := r.intParam("Limit", 100, 1, 1000); asAPIError(err).code != "InvalidArgument" {
		t.Errorf("Limit 1001: %v", err)
	}
	if _, err := r.intParam("Wait", 0, 0, 60); asAPIError(err).code != "InvalidArgument" {
		t.Errorf("Wait x: %v", err)
	}
	if n, err := r.intParam("Ok", 0, 0, 60); n != 7 || err != nil {
		t.Errorf("Ok: %d %v", n, err)
	}
	if n, err := r.intParam("Absent", 60, 1, 100); n != 60 || err != nil {
		t.Errorf("Absent: %d %v", n, err)
	}
}

// TestNextToken: the NextToken parameter is pagetoken's text, and a token
// pagetoken refuses is the API's InvalidArgument.
func TestNextToken(t *testing.T) {
	page := []byte(`{"StartTime":"2026-01-01T00:00:00Z","RunID":"x"}`)
	token := pagetoken.Encode(page)
	got, err := (&request{params: map[string]string{"NextToken": token}}).nextToken()
	if err != nil || string(got) != string(page) {
		t.Errorf("round trip: %q, %v", got, err)
	}
	for _, mangled := range []string{token[:len(token)-2], "!"} {
		if _, err := (&request{params: map[string]string{"NextToken": mangled}}).nextToken(); asAPIError(err).code != "InvalidArgument" {
			t.Errorf("%q: %v", mangled, err)
		}
	}
}
