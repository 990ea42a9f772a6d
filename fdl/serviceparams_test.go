package fdl

import (
	"reflect"
	"strings"
	"testing"
)

// serviceParams strings "$" and "$.path" read the step input; everything else,
// including strings nested in objects, is a constant (reference §3.1, Q16).
func TestEvalServiceParams(t *testing.T) {
	step := &TaskStep{ServiceParams: map[string]any{
		"MessageBody":    "$",
		"ExecutionName":  "$.childName",
		"First":          "$[\"list\"][0]",
		"Priority":       8.0,
		"Tag":            "constant",
		"Dollar":         "$5",
		"Nested":         map[string]any{"x": "$.childName"},
		"InvocationType": "Async",
	}}
	input := map[string]any{"childName": "c1", "list": []any{"a"}}
	got, err := step.EvalServiceParams(input)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"MessageBody":    input, // the object itself: serialising it is the integration's business
		"ExecutionName":  "c1",
		"First":          "a",
		"Priority":       8.0,
		"Tag":            "constant",
		"Dollar":         "$5",
		"Nested":         map[string]any{"x": "$.childName"},
		"InvocationType": "Async",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	got["MessageBody"].(map[string]any)["childName"] = "changed"
	if input["childName"] != "c1" {
		t.Error("the result shares the input")
	}

	if got, err := (&TaskStep{}).EvalServiceParams(input); got != nil || err != nil {
		t.Errorf("no serviceParams: %v, %v", got, err)
	}
	step = &TaskStep{ServiceParams: map[string]any{"B": "$.missing", "A": "$.alsoMissing"}}
	if _, err := step.EvalServiceParams(input); err == nil || !strings.HasPrefix(err.Error(), `serviceParams.A: $ has no key "alsoMissing"`) {
		t.Errorf("error = %v", err)
	}
}

// A queue or topic task without MessageBody sends the mapped step input.
func TestDefaultMessageBody(t *testing.T) {
	src := `version: v1
type: flow
steps:
  - type: task
    name: q
    resourceArn: acs:mns:::/queues/q/messages
  - type: task
    name: t
    resourceArn: acs:mns:::/topics/t/messages
    serviceParams:
      MessageTag: x
`
	f, diags := Parse("f", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diagText(diags))
	}
	for _, s := range f.Steps {
		if body := s.(*TaskStep).ServiceParams["MessageBody"]; body != "$" {
			t.Errorf("%s: MessageBody = %v", s.Common().Name, body)
		}
	}
}
