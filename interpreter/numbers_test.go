package interpreter

import (
	"encoding/json"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/payload"
)

// TestExactNumbersThroughAFlow: with fnflow's data converter the workflow
// sees numbers as json.Number; waits read them as seconds, choices compare
// them, and the output keeps them exactly as sent.
func TestExactNumbersThroughAFlow(t *testing.T) {
	def := `version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: $.seconds
  - type: choice
    name: pick
    choices:
      - condition: $.big == 12345678901234567890 && $.seconds > 1.5
        steps:
          - type: pass
            name: matched
            outputMappings:
              - target: matched
                source: true
    default:
      goto: unmatched
  - type: pass
    name: unmatched
    outputMappings:
      - target: big
        source: $input.big
      - target: long
        source: $input.long
`
	env := newTestEnv()
	env.SetDataConverter(payload.Converter)
	env.RegisterWorkflowWithOptions(Execution, workflow.RegisterOptions{Name: ExecutionWorkflow})
	var input map[string]any
	if err := payload.Unmarshal([]byte(`{"seconds":2,"big":12345678901234567890,"long":123456789012345678901234567890.5}`), &input); err != nil {
		t.Fatal(err)
	}
	began := env.Now()
	env.ExecuteWorkflow(ExecutionWorkflow, ExecutionInput{FlowName: "f", ExecutionName: "e1", Definition: def, Input: input})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("execution failed: %v", err)
	}
	if waited := env.Now().Sub(began); waited != 2*time.Second {
		t.Errorf("waited %v, want the 2 s of $.seconds", waited)
	}
	var output json.RawMessage
	if err := env.GetWorkflowResult(&output); err != nil {
		t.Fatal(err)
	}
	if want := `{"big":12345678901234567890,"long":123456789012345678901234567890.5,"matched":true}`; string(output) != want {
		t.Errorf("output %s, want %s", output, want)
	}
}
