package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// echoFlow passes its input through a pass step and a callback step, and
// outputs the input's numbers and what the report said.
const echoFlow = `version: v1
type: flow
steps:
  - type: pass
    name: first
  - type: task
    name: wait_here
    resourceArn: acs:fc:::services/test/functions/hand-over
    pattern: waitForCallback
    inputMappings:
      - target: key
        source: $input.key
      - target: taskToken
        source: $context.task.token
      - target: big
        source: $input.big
      - target: long
        source: $input.long
    outputMappings:
      - target: big
        source: $input.big
      - target: long
        source: $input.long
      - target: reported
        source: $local
`

// exactJSON decodes JSON text the way fnflow does, numbers as json.Number.
func exactJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is %T, want a JSON string", v, v)
	}
	var m map[string]any
	if err := payload.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%.200q: %v", s, err)
	}
	return m
}

// TestNumbersStayExact: numbers of more digits than a float64 holds come
// back from DescribeExecution as they were sent, in the input, through the
// steps and in a report's output.
func TestNumbersStayExact(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, echoFlow)
	const big, long = "12345678901234567890", "123456789012345678901234567890.5"
	started := ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "n1",
		"Input", `{"key":"`+flow+`/n1","big":`+big+`,"long":`+long+`}`))
	if in := exactJSON(t, started["Input"]); in["big"] != json.Number(big) || in["long"] != json.Number(long) {
		t.Errorf("StartExecution Input %v", started["Input"])
	}
	tok := e.tokens.next(t, flow+"/n1")
	ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"n":`+long+`,"list":[`+big+`]}`))

	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "n1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" {
		t.Fatalf("DescribeExecution: %v", done)
	}
	if in := exactJSON(t, done["Input"]); in["big"] != json.Number(big) || in["long"] != json.Number(long) {
		t.Errorf("Input %v", done["Input"])
	}
	want := `{"big":` + big + `,"long":` + long + `,"reported":{"list":[` + big + `],"n":` + long + `}}`
	if done["Output"] != want {
		t.Errorf("Output %v, want %s", done["Output"], want)
	}
}

// reportFlow outputs the text its callback step was reported.
const reportFlow = `version: v1
type: flow
steps:
  - type: task
    name: wait_here
    resourceArn: acs:fc:::services/test/functions/hand-over
    pattern: waitForCallback
    inputMappings:
      - target: key
        source: $input.key
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: text
        source: $local.text
`

// TestReportIsCheckedAsStored: a report answered 200 resumes its step, and a
// report that could not be stored or read is refused while the step waits.
func TestReportIsCheckedAsStored(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, reportFlow)

	t.Run("HTML characters are stored as sent", func(t *testing.T) {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "html", "Input", `{"key":"`+flow+`/html"}`))
		tok := e.tokens.next(t, flow+"/html")
		// JSON-escaped, 400 KB of "<" would be 2.4 MB, past Temporal's limit.
		text := strings.Repeat("<", 400_000)
		ok(t, e.callJSON(t, `{"Action":"ReportTaskSucceeded","TaskToken":"`+tok+`","Output":{"text":"`+text+`"}}`))
		done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "html", "WaitTimeSeconds", "30"))
		if done["Status"] != "Succeeded" {
			t.Fatalf("DescribeExecution: %.300v", done)
		}
		if out := exactJSON(t, done["Output"]); out["text"] != text {
			t.Errorf("Output %.100v…, want the 400 KB of the report", done["Output"])
		}
	})

	t.Run("a number out of range is refused and the step waits", func(t *testing.T) {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "huge", "Input", `{"key":"`+flow+`/huge"}`))
		tok := e.tokens.next(t, flow+"/huge")
		refused := e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"text":"x","n":1e999999}`)
		wantError(t, refused, http.StatusBadRequest, "InvalidArgument")
		if msg, _ := refused.body["Message"].(string); !strings.Contains(msg, "Output") {
			t.Errorf("message %q does not name Output", msg)
		}
		if got := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "huge")); got["Status"] != "Running" {
			t.Fatalf("after the refused report: %v", got)
		}
		ok(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{"text":"fine"}`))
		done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "huge", "WaitTimeSeconds", "30"))
		if done["Status"] != "Succeeded" || done["Output"] != `{"text":"fine"}` {
			t.Errorf("DescribeExecution: %v", done)
		}
	})
}

// TestStartChecksInputAsStored: an input that could not be stored or read
// back is refused before an execution exists; one that escapes HTML when
// encoded by others is stored as sent.
func TestStartChecksInputAsStored(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	for _, tt := range []struct {
		name, input, code string
	}{
		{"huge", `{"n":1e999999}`, "InvalidArgument"},
		{"nested", `{"a":[{"n":-1e400}]}`, "InvalidArgument"},
		// 900 KB as sent, 1.8 MB once stored: U+2028 is always escaped.
		{"grows", `{"s":"` + strings.Repeat("\u2028", 300_000) + `"}`, "EntityTooLarge"},
	} {
		wantError(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", tt.name, "Input", tt.input), http.StatusBadRequest, tt.code)
		wantError(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", tt.name), http.StatusNotFound, "ExecutionNotExists")
		_, err := e.temporal.DescribeWorkflowExecution(context.Background(), interpreter.ExecutionWorkflowID(flow, tt.name), "")
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("%s: the refused start left a workflow behind (%v)", tt.name, err)
		}
	}

	text := strings.Repeat("<", 400_000)
	// As JSON: a form would encode each "<" in three bytes, past the body limit.
	started := ok(t, e.callJSON(t, `{"Action":"StartExecution","FlowName":"`+flow+`","ExecutionName":"html","Input":{"a":"`+text+`"}}`))
	if in := exactJSON(t, started["Input"]); in["a"] != text {
		t.Errorf("Input %.100v…", started["Input"])
	}
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "html", "WaitTimeSeconds", "30"))
	if out := exactJSON(t, done["Output"]); done["Status"] != "Succeeded" || out["got"] != text {
		t.Errorf("DescribeExecution: %.300v", done)
	}
}
