package fdl

import (
	"slices"
	"testing"
)

func TestWalkVisitsEveryStepInSourceOrder(t *testing.T) {
	flow, diags := Parse("walk.yaml", []byte(`version: v1
type: flow
steps:
  - type: choice
    name: pick
    choices:
      - condition: $.x == 1
        steps:
          - type: pass
            name: one
    default:
      steps:
        - type: pass
          name: other
  - type: parallel
    name: both
    branches:
      - steps:
          - type: foreach
            name: each
            iterationMapping:
              collection: $.items
              item: item
            steps:
              - type: pass
                name: inner
      - steps:
          - type: pass
            name: right
  - type: succeed
    name: done
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	var got []string
	Walk(flow.Steps, func(s Step) { got = append(got, s.Common().Path) })
	want := []string{
		"pick", "pick/choices[0]/one", "pick/default/other",
		"both", "both/branch[0]/each", "both/branch[0]/each/inner", "both/branch[1]/right",
		"done",
	}
	if !slices.Equal(got, want) {
		t.Errorf("visited\n%q\nwant\n%q", got, want)
	}
}
