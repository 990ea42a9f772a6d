package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/fnflow/fnflow/internal/testenv"
)

// These tests replay requests the official core Go SDK signed, the way an
// attacker who captured them would.

// capturedRequest is a signed request as the SDK would have sent it.
type capturedRequest struct {
	method, query string
	header        http.Header
	body          []byte
}

// capture has the SDK sign a POST of action with these form parameters, empty
// ones included as the tea SDK sends them, and returns it unsent.
func capture(t *testing.T, e *testEnv, action string, form map[string]string) capturedRequest {
	t.Helper()
	c, _ := aliyun(t, e, accessKeySecret)
	var got capturedRequest
	c.SetTransport(roundTripper(func(r *http.Request) (*http.Response, error) {
		body, err := io.ReadAll(r.Body)
		got = capturedRequest{method: r.Method, query: r.URL.RawQuery, header: r.Header.Clone(), body: body}
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(`{"RequestId":"captured"}`)),
		}, err
	}))
	req := requests.NewCommonRequest()
	req.Method, req.Scheme, req.Domain = requests.POST, requests.HTTP, "fnf.example"
	req.Product, req.Version, req.ApiName = "fnf", "2019-03-15", action
	for name, value := range form {
		req.FormParams[name] = value
	}
	if _, err := c.ProcessCommonRequest(req); err != nil {
		t.Fatal(err)
	}
	if got.method == "" {
		t.Fatal("the SDK sent nothing")
	}
	return got
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// send sends the captured request to the signed gateway, with extraQuery
// appended to its query.
func (c capturedRequest) send(t *testing.T, e *testEnv, extraQuery string) reply {
	t.Helper()
	req, err := http.NewRequest(c.method, e.signedURL+"/?"+c.query+extraQuery, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.header.Clone()
	return do(t, req)
}

// TestAlteredSignedRequestIsRefused: values appended to the query of a
// captured request cannot replace the empty values it sent in its form.
func TestAlteredSignedRequestIsRefused(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	signed := capture(t, e, "StartExecution", map[string]string{"FlowName": flow, "ExecutionName": "", "Input": ""})

	attack := "&" + url.Values{"ExecutionName": {"x"}, "Input": {`{"attacker":true}`}}.Encode()
	wantError(t, signed.send(t, e, attack), 400, "InvalidArgument")
	wantError(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "x"), 404, "ExecutionNotExists")

	// The capture itself is valid: unaltered, it starts an execution of its own.
	started := ok(t, signed.send(t, e, ""))
	if started["Name"] == "x" || started["Input"] != "{}" {
		t.Errorf("StartExecution: %v", started)
	}
}

// TestReplayedRequestRunsOnce: a captured request replayed within its
// timestamp window is refused by its nonce.
func TestReplayedRequestRunsOnce(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	signed := capture(t, e, "StartExecution", map[string]string{"FlowName": flow})

	started := ok(t, signed.send(t, e, ""))
	for range 2 {
		wantError(t, signed.send(t, e, ""), 400, "SignatureNonceUsed")
	}
	testenv.Eventually(t, "one execution listed", 10*time.Second, func() error {
		list := ok(t, e.get(t, "ListExecutions", "FlowName", flow))
		executions := list["Executions"].([]any)
		if len(executions) != 1 || executions[0].(map[string]any)["Name"] != started["Name"] {
			return fmt.Errorf("listed %v, want only %v", executions, started["Name"])
		}
		return nil
	})
}

// TestAlteredTokenIsRefused: a callback token whose last character differs
// only in bits decoding ignores is another string, and is refused.
func TestAlteredTokenIsRefused(t *testing.T) {
	e := integration(t)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// A token of a length divisible by 3 has no unused bits; one name longer,
	// the task token is one byte longer.
	for _, name := range []string{"malleable", "malleable1"} {
		run, tok := e.startParked(t, name)
		if len(strings.TrimPrefix(tok, "t1."))%4 == 0 {
			continue
		}
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		altered := tok[:len(tok)-1] + string(alphabet[last^1])
		wantError(t, e.call(t, "ReportTaskSucceeded", "TaskToken", altered, "Output", `{"by":"altered"}`), 400, "InvalidArgument")
		e.stillParked(t, run)
		ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"by":"token"}`))
		if out, err := result(t, run); err != nil || out["by"] != "token" {
			t.Errorf("result %v, %v", out, err)
		}
		return
	}
	t.Fatal("no token had unused bits")
}
