package interpreter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

// bigFunction returns an echo of its input with a string of size bytes
// added, under "big".
func bigFunction(arn string, size int) *functions {
	fns := newFunctions()
	fns.behave[arn] = func(req activities.TaskRequest, _ int) (any, error) {
		return map[string]any{"big": strings.Repeat("x", size)}, nil
	}
	return fns
}

// A result past the limit fails the step with FnF.DataLimitExceeded, naming
// the step and the size; a catch of FnF.ALL does not see it.
func TestStepDataOverTheLimitEndsTheExecution(t *testing.T) {
	const arn = "acs:fc:::services/s/functions/big"
	def := `version: v1
type: flow
steps:
  - type: task
    name: fetch
    resourceArn: ` + arn + `
    catch:
      - errors: [FnF.ALL]
        goto: caught
  - type: succeed
    name: done
  - type: pass
    name: caught
`
	r := runFlow(t, bigFunction(arn, 40_000), def, nil)
	name, cause := flowFailure(t, r.err)
	if name != fdl.ErrDataLimitExceeded || !strings.Contains(cause, "step fetch:") || !strings.Contains(cause, fmt.Sprint(DefaultMaxStepData)) {
		t.Errorf("got %s / %s, want %s naming the step and the limit", name, cause, fdl.ErrDataLimitExceeded)
	}
	// The input (2 bytes), the result and the output (the result again).
	if want := fmt.Sprintf("are %d bytes", 2+2*len(`{"big":""}`)+2*40_000); !strings.Contains(cause, want) {
		t.Errorf("cause %q does not say %q", cause, want)
	}
	for _, e := range r.history(t) {
		if e.StepName == "caught" {
			t.Errorf("the catch ran: %v", e)
		}
	}
}

// An input past the limit fails the step before its task runs.
func TestStepInputOverTheLimitRunsNothing(t *testing.T) {
	const arn = "acs:fc:::services/s/functions/echo"
	fns := newFunctions()
	def := `version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: ` + arn + `
`
	r := runFlow(t, fns, def, map[string]any{"big": strings.Repeat("x", DefaultMaxStepData)})
	name, cause := flowFailure(t, r.err)
	if name != fdl.ErrDataLimitExceeded || !strings.Contains(cause, "step send: its input is") {
		t.Errorf("got %s / %s", name, cause)
	}
	if n := fns.count(arn); n != 0 {
		t.Errorf("the task ran %d times", n)
	}
	if got := fmt.Sprint(eventTypes(r.history(t))); got != "[ExecutionStarted StepEntered StepFailed ExecutionFailed]" {
		t.Errorf("events %s", got)
	}
}

// Every step is held to the limit, and the execution's output too: here
// each pass step is under it, their outputs together are not.
func TestExecutionOutputOverTheLimit(t *testing.T) {
	half := strings.Repeat("x", DefaultMaxStepData/2)
	def := `version: v1
type: flow
steps:
  - type: pass
    name: a
    outputMappings:
      - target: a
        source: ` + half + `
  - type: pass
    name: b
    inputMappings:
      - target: none
        source: ""
    outputMappings:
      - target: b
        source: ` + half + `
`
	r := runFlow(t, nil, def, nil)
	name, cause := flowFailure(t, r.err)
	if name != fdl.ErrDataLimitExceeded || !strings.HasPrefix(cause, "the execution's output is") {
		t.Errorf("got %s / %s", name, cause)
	}
}

// A worker sets its own limit, or none.
func TestStepDataLimitIsTheWorkers(t *testing.T) {
	const arn = "acs:fc:::services/s/functions/big"
	def := `version: v1
type: flow
steps:
  - type: task
    name: fetch
    resourceArn: ` + arn + `
    outputMappings:
      - target: n
        source: 1
`
	if r := runFlowWith(t, Options{MaxStepData: NoStepDataLimit}, bigFunction(arn, 100_000), def, nil); r.err != nil {
		t.Errorf("without a limit: %v", r.err)
	}
	if r := runFlowWith(t, Options{MaxStepData: 200_000}, bigFunction(arn, 100_000), def, nil); r.err != nil {
		t.Errorf("under a limit of 200000: %v", r.err)
	}
	r := runFlowWith(t, Options{MaxStepData: 1000}, bigFunction(arn, 1000), def, nil)
	if name, cause := flowFailure(t, r.err); name != fdl.ErrDataLimitExceeded || !strings.Contains(cause, "more than the 1000 allowed") {
		t.Errorf("over a limit of 1000: %s / %s", name, cause)
	}
}

// Without a limit, an input Temporal would refuse to carry still fails the
// step by name rather than have Temporal terminate the execution.
func TestStepInputOverTemporalsLimit(t *testing.T) {
	const arn = "acs:fc:::services/s/functions/echo"
	fns := newFunctions()
	def := `version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: ` + arn + `
`
	r := runFlowWith(t, Options{MaxStepData: NoStepDataLimit}, fns, def, map[string]any{"big": strings.Repeat("x", temporalPayloadLimit)})
	if name, cause := flowFailure(t, r.err); name != fdl.ErrDataLimitExceeded || !strings.Contains(cause, "more than Temporal takes in one payload") {
		t.Errorf("got %s / %s", name, cause)
	}
	if n := fns.count(arn); n != 0 {
		t.Errorf("the task ran %d times", n)
	}
}
