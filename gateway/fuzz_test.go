package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzGateway sends random calls of every action, in every encoding, to the
// open and the signing gateway, and checks what must hold for any input while
// Temporal is up: no 5xx, no panic, an fnf reply (JSON with a RequestId, a
// Code when refused), and nothing created by a refused CreateFlow or
// StartExecution. `go test` runs the seeds; `make fuzz-gateway` explores.
func FuzzGateway(f *testing.F) {
	seeds := []struct {
		action   byte
		encoding byte
		params   []byte
	}{
		{0, 0, fuzzParams(pName, "\x01", pDefinition, "\x00", pType, "FDL")},
		{0, 2, fuzzParams(pName, "\x01", pDefinition, "version: v1\ntype: flow\nsteps: [{type: pass, name: p, unknown: x}]")},
		{1, 1, fuzzParams(pName, "\x00")},
		{2, 0, fuzzParams(pName, "\x00", pDefinition, "\x00", pDescription, "\xff\xfe")},
		{4, 3, fuzzParams(pName, "fuzz-flow\x00")},
		{5, 0, fuzzParams(pFlowName, "\x00", pExecutionName, "\x01", pInput, "\x00")},
		{5, 2, fuzzParams(pFlowName, "\x00", pExecutionName, "\x01", pInput, `{"n":1e999999}`)},
		{5, 3, fuzzParams(pFlowName, "\x00", pExecutionName, "\x02", pInput, `{"a":"<<<<"}`)},
		{5, 0, fuzzParams(pFlowName, "\x00", pExecutionName, "é", pCallbackFnFTaskToken, "x")},
		{6, 1, fuzzParams(pFlowName, "\x00", pExecutionName, "\x00", pWaitTimeSeconds, "\x00")},
		{7, 0, fuzzParams(pFlowName, "\x00", pExecutionName, "\x00", pError, "\xc3\x28")},
		{8, 1, fuzzParams(pFlowName, "\x00", pStatus, "Weird", pLimit, "-1", pNextToken, "AAAA")},
		{9, 1, fuzzParams(pFlowName, "\x00", pExecutionName, "\x00", pNextToken, "99999999999999999999")},
		{10, 2, fuzzParams(pTaskToken, "t1.AAAA", pOutput, `{"a":[1,2,{"b":null}]}`)},
		{11, 0, fuzzParams(pTaskToken, "\x00", pError, "E", pCause, strings.Repeat("c", 5000))},
		{12, 0, fuzzParams(pFlowName, "\x00")},
		{200, 0, fuzzParams(pAction, "Nope")},
	}
	for _, s := range seeds {
		f.Add(s.action, s.encoding, s.params)
	}
	f.Fuzz(func(t *testing.T, actionIndex, encoding byte, params []byte) {
		integration(t).checkFuzzCall(t, decodeFuzzCall(actionIndex, encoding, params))
	})
}

// TestGatewayRandomCalls checks FuzzGateway's properties on calls drawn from a
// fixed seed. Exploring with the fuzzer needs a build of the whole Temporal
// server with coverage instrumentation (minutes on two cores), too long for
// every CI run; these calls cost seconds and are the same on every run, so a
// failure is a defect, never bad luck. `make fuzz-gateway` explores further.
func TestGatewayRandomCalls(t *testing.T) {
	e := integration(t)
	random := rand.New(rand.NewPCG(7, 2026))
	alphabet := []byte("aZ09_-./{}[]\":,1e999<>&%+= \x00\xc3\xa9\xe2\x80\xa8\xfe")
	for range 300 {
		var params []byte
		for range random.IntN(6) {
			params = append(params, byte(random.IntN(paramCount)))
			if random.IntN(2) == 0 {
				params = append(params, byte(random.IntN(3)))
			} else {
				for range random.IntN(12) {
					params = append(params, alphabet[random.IntN(len(alphabet))])
				}
			}
			params = append(params, 0xff)
		}
		call := decodeFuzzCall(byte(random.IntN(len(fuzzActions)+1)), byte(random.IntN(4)), params)
		e.checkFuzzCall(t, call)
	}
}

// checkFuzzCall sends call to the signing gateway, then to the open one, and
// checks what must hold for any call while Temporal is up.
func (e *testEnv) checkFuzzCall(t *testing.T, call fuzzCall) {
	t.Helper()
	e.ensureFuzzFlow(t)
	for _, base := range []string{e.signedURL, e.url} {
		before := e.existing(t, call)
		status, body := e.sendFuzzCall(t, base, call)
		if status >= 500 {
			t.Fatalf("%s answered %d %v to %s", call.action, status, body, call)
		}
		if status >= 400 {
			if code, _ := body["Code"].(string); code == "" {
				t.Errorf("refusal without a Code: %d %v", status, body)
			}
			if after := e.existing(t, call); after != before {
				t.Fatalf("a refused %s (%d %v) created %s", call.action, status, body, after)
			}
		}
		if base == e.signedURL && status < 400 {
			t.Fatalf("the signing gateway accepted an unsigned %s: %v", call.action, body)
		}
	}
}

// Parameter indexes of fuzz inputs. A value of one byte below
// len(goodValues[p]) stands for that good value, so that the fuzzer reaches
// the paths past the checks without having to guess a flow name.
const (
	pFlowName = iota
	pExecutionName
	pDefinition
	pInput
	pOutput
	pTaskToken
	pError
	pCause
	pLimit
	pNextToken
	pWaitTimeSeconds
	pStatus
	pType
	pDescription
	pExecutionMode
	pExecutionNamePrefix
	pStartedTimeBegin
	pCallbackFnFTaskToken
	pAction
	pVersion
	pAccessKeyID
	pSignature
	pSignatureNonce
	pName
	paramCount
)

var paramNames = [paramCount]string{
	"FlowName", "ExecutionName", "Definition", "Input", "Output", "TaskToken", "Error", "Cause",
	"Limit", "NextToken", "WaitTimeSeconds", "Status", "Type", "Description", "ExecutionMode",
	"ExecutionNamePrefix", "StartedTimeBegin", "CallbackFnFTaskToken", "Action", "Version",
	"AccessKeyId", "Signature", "SignatureNonce", "Name",
}

const fuzzFlow = "fuzz-flow"

var goodValues = map[int][]string{
	pFlowName:        {fuzzFlow, "fuzz-created"},
	pName:            {fuzzFlow, "fuzz-created"},
	pExecutionName:   {"fuzz-run", "fuzz-other", "fuzz-third"},
	pDefinition:      {"version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n"},
	pInput:           {`{"a":1}`},
	pOutput:          {`{"ok":true}`},
	pWaitTimeSeconds: {"0", "1"},
	pVersion:         {"2019-03-15"},
}

// fuzzActions is every action of the fnf API; an index past them sends the
// Action parameter's value, if any, as is.
var fuzzActions = []string{
	"CreateFlow", "DescribeFlow", "UpdateFlow", "ListFlows", "DeleteFlow",
	"StartExecution", "DescribeExecution", "StopExecution", "ListExecutions", "GetExecutionHistory",
	"ReportTaskSucceeded", "ReportTaskFailed", "StartSyncExecution",
	"CreateSchedule", "UpdateSchedule", "DeleteSchedule", "DescribeSchedule", "ListSchedules",
}

// fuzzParams builds the params argument of a seed from index, value pairs.
func fuzzParams(pairs ...any) []byte {
	var b bytes.Buffer
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteByte(byte(pairs[i].(int)))
		b.WriteString(pairs[i+1].(string))
		b.WriteByte(0xff)
	}
	return b.Bytes()
}

type fuzzCall struct {
	action   string
	encoding byte
	params   [][2]string
}

func (c fuzzCall) String() string {
	return fmt.Sprintf("%s encoding %d %q", c.action, c.encoding, c.params)
}

func (c fuzzCall) value(name string) string {
	for _, p := range c.params {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

// decodeFuzzCall reads params as records "index byte, value, 0xff".
func decodeFuzzCall(actionIndex, encoding byte, params []byte) fuzzCall {
	call := fuzzCall{encoding: encoding % 4}
	for _, record := range bytes.Split(params, []byte{0xff}) {
		if len(record) == 0 {
			continue
		}
		index := int(record[0]) % paramCount
		value := string(record[1:])
		if good := goodValues[index]; len(value) == 1 && int(value[0]) < len(good) {
			value = good[value[0]]
		} else if index == pWaitTimeSeconds {
			// A long wait is legal but would only slow the fuzzer down.
			value = "0"
		}
		call.params = append(call.params, [2]string{paramNames[index], value})
	}
	if int(actionIndex) < len(fuzzActions) {
		call.action = fuzzActions[actionIndex]
	} else {
		call.action = call.value("Action")
	}
	return call
}

// sendFuzzCall sends call to the gateway at base in its encoding: 0 the RPC
// form (Action in the query, the rest in a form body), 1 all in the query of a
// GET, 2 a JSON body, 3 the form with every parameter repeated in the query
// too (which must be refused whenever the two differ).
func (e *testEnv) sendFuzzCall(t *testing.T, base string, call fuzzCall) (int, map[string]any) {
	t.Helper()
	query := url.Values{"Action": {call.action}}
	form := url.Values{}
	jsonBody := map[string]string{}
	for _, p := range call.params {
		switch call.encoding {
		case 1:
			query.Add(p[0], p[1])
		case 2:
			jsonBody[p[0]] = p[1]
		case 3:
			query.Add(p[0], p[1]+"x")
			form.Add(p[0], p[1])
		default:
			form.Add(p[0], p[1])
		}
	}
	var req *http.Request
	var err error
	switch call.encoding {
	case 1:
		req, err = http.NewRequest(http.MethodGet, base+"/?"+query.Encode(), nil)
	case 2:
		body, _ := json.Marshal(jsonBody)
		req, err = http.NewRequest(http.MethodPost, base+"/?"+query.Encode(), bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	default:
		req, err = http.NewRequest(http.MethodPost, base+"/?"+query.Encode(), strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		t.Fatalf("building the request for %s: %v", call, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the reply: %v", call, err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s answered %d with a body that is not JSON: %q", call, resp.StatusCode, raw)
	}
	if id, _ := body["RequestId"].(string); id == "" {
		t.Errorf("%s answered without a RequestId: %s", call, raw)
	}
	return resp.StatusCode, body
}

// existing names what the call could create that exists now: the flow a
// CreateFlow names, or the execution a StartExecution names.
func (e *testEnv) existing(t *testing.T, call fuzzCall) string {
	t.Helper()
	flow, execution := call.value("FlowName"), call.value("ExecutionName")
	switch {
	case call.action == "CreateFlow" && call.value("Name") != "":
		name := call.value("Name")
		if status, _ := e.sendFuzzCall(t, e.url, fuzzCall{action: "DescribeFlow", params: [][2]string{{"Name", name}}}); status == http.StatusOK {
			return "flow " + name
		}
	case call.action == "StartExecution" && flow != "" && execution != "":
		if status, _ := e.sendFuzzCall(t, e.url, fuzzCall{action: "DescribeExecution", params: [][2]string{{"FlowName", flow}, {"ExecutionName", execution}}}); status == http.StatusOK {
			return "execution " + execution
		}
	}
	return ""
}

// ensureFuzzFlow creates the flow the good FlowName stands for.
func (e *testEnv) ensureFuzzFlow(t *testing.T) {
	t.Helper()
	if status, _ := e.sendFuzzCall(t, e.url, fuzzCall{action: "DescribeFlow", params: [][2]string{{"Name", fuzzFlow}}}); status == http.StatusOK {
		return
	}
	e.createFlow(t, fuzzFlow, goodValues[pDefinition][0])
}
