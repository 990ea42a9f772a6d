package fdl

import (
	"reflect"
	"strings"
	"testing"
)

// One test per decision on an open question of the reference (§8), as
// written down in docs/fdl.md. Decisions that only the interpreter can show
// (what a step outputs at run time) are tested there.

// diagsOf parses a flow made of the given steps and returns its diagnostics.
func diagsOf(t *testing.T, steps string) string {
	t.Helper()
	_, diags := Parse("f", []byte("version: v1\ntype: flow\nsteps:\n"+steps))
	return diagText(diags)
}

// Q1: names are unique within a step list; the same name in another list is
// fine.
func TestQ1StepNamesUniquePerList(t *testing.T) {
	got := diagsOf(t, `
  - type: parallel
    name: notify
    branches:
      - steps: [{type: pass, name: notify}]
      - steps: [{type: pass, name: notify}]
  - type: pass
    name: notify
`)
	want := "f:10:5: notify: another step of the same list is named \"notify\" (line 5); goto could not tell them apart\n"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// Q2 and Q18: end: true and succeed end only their own list; the steps after
// the enclosing step still run.
func TestQ2Q18EndAndSucceedEndOnlyTheirList(t *testing.T) {
	got := diagsOf(t, `
  - type: parallel
    name: p
    branches:
      - steps:
          - {type: pass, name: a, end: true}
          - {type: pass, name: skipped}
      - steps:
          - {type: succeed, name: s}
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - {type: succeed, name: s}
  - type: pass
    name: after
`)
	want := "f:10:13: p/branch[0]/skipped: warning: is never reached: the steps before it end the list and no goto names it\n"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// Q3: a mapping source that leads nowhere fails the step; in a condition,
// every comparison with it is false (so the default branch is taken).
func TestQ3MissingPaths(t *testing.T) {
	_, err := EvalMappings([]Mapping{{Target: "x", Source: mustPath(t, "$input.a.b")}}, Vars{Input: map[string]any{"a": map[string]any{}}})
	if err == nil || err.Error() != `mapping to "x": $input.a has no key "b"` {
		t.Errorf("mapping error = %v", err)
	}
	for _, cond := range []string{`$.a.b == 1`, `$.a.b != 1`, `$.a.b == null`, `$.a.b > 0`, `$.a.b`} {
		c, err := ParseCondition(cond)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.Eval(map[string]any{"a": map[string]any{}}); got || err != nil {
			t.Errorf("%s = %v, %v; want false", cond, got, err)
		}
	}
}

// Q7: default is optional; with no match the flow goes on after the choice,
// so the next step is reachable.
func TestQ7ChoiceDefaultOptional(t *testing.T) {
	got := diagsOf(t, `
  - type: choice
    name: c
    choices:
      - condition: $.x
        goto: end
  - type: pass
    name: next
  - type: pass
    name: end
`)
	if got != "" {
		t.Errorf("got %s", got)
	}
}

// Q8: comparisons are strict by JSON type: no coercion, and ordering a
// number against a string is an error.
func TestQ8StrictTypes(t *testing.T) {
	eq, _ := ParseCondition(`$.audited == "true"`)
	if got, err := eq.Eval(map[string]any{"audited": true}); got || err != nil {
		t.Errorf(`boolean true == "true" = %v, %v`, got, err)
	}
	lt, _ := ParseCondition(`$.n < 10`)
	if _, err := lt.Eval(map[string]any{"n": "5"}); err == nil {
		t.Error(`"5" < 10 is not an error`)
	}
}

// Q13: errorMappings read the error name as $local.error or $local.code and
// the message as $local.cause; other $local keys are flagged.
func TestQ13ErrorMappingFields(t *testing.T) {
	got := diagsOf(t, `
  - type: task
    name: t
    resourceArn: acs:fc:::services/s/functions/f
    catch:
      - errors: [FnF.ALL]
        goto: t
    errorMappings:
      - {target: a, source: $local.error}
      - {target: b, source: $local.code}
      - {target: c, source: $local.cause}
      - {target: d, source: $local.message}
`)
	want := "f:15:29: t: warning: errorMappings[3].source: in errorMappings $local holds only error and cause (and code, an alias of error)\n"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if l := ErrorLocal("E", "c"); !reflect.DeepEqual(l, map[string]any{"error": "E", "code": "E", "cause": "c"}) {
		t.Errorf("ErrorLocal = %v", l)
	}
}

// Q17: a pass step without mappings and a choice branch with no steps are
// valid; they output {} at run time.
func TestQ17EmptyStepsAreValid(t *testing.T) {
	got := diagsOf(t, `
  - type: pass
    name: p
  - type: choice
    name: c
    choices:
      - condition: $.x
        steps: []
    default:
      steps: []
`)
	if got != "" {
		t.Errorf("got %s", got)
	}
}

// Q19: a catch may go to the failing task itself.
func TestQ19CatchGotoSelf(t *testing.T) {
	got := diagsOf(t, `
  - type: task
    name: t
    resourceArn: acs:fc:::services/s/functions/f
    catch:
      - errors: [FC.ResourceThrottled]
        goto: t
`)
	if got != "" {
		t.Errorf("got %s", got)
	}
}

// Q21: unknown keys are warnings, not errors, anywhere in a flow; the
// problems the service rejects are errors.
func TestQ21UnknownKeysWarn(t *testing.T) {
	f, diags := Parse("f", []byte(`version: v1
type: flow
name: my_flow
description: kept for the managed service
steps:
  - type: task
    name: t
    resourceArn: acs:fc:::services/s/functions/f
    resultPath: $.out
    catch:
      - errors: [FnF.ALL]
        goto: t
        steps: []
`))
	if f == nil || diags.HasErrors() || len(diags) != 4 {
		t.Errorf("got %s", diagText(diags))
	}
	for _, d := range diags {
		if !strings.Contains(d.Message, "unknown key") {
			t.Errorf("unexpected %s", d)
		}
	}
}

// Q6 and Q20: without timeoutSeconds neither the flow nor a task has a
// timeout of its own (0).
func TestQ6Q20NoDefaultTimeouts(t *testing.T) {
	f, diags := Parse("f", []byte("version: v1\ntype: flow\nsteps:\n  - {type: task, name: t, resourceArn: 'acs:fc:::services/s/functions/f'}\n"))
	if len(diags) > 0 || f.TimeoutSeconds != 0 || f.Steps[0].(*TaskStep).TimeoutSeconds != 0 {
		t.Errorf("got %s %+v", diagText(diags), f)
	}
}

// Q11: maxAttempts counts retries after the first try, so 0 means no retry
// and is valid.
func TestQ11MaxAttemptsZero(t *testing.T) {
	f, diags := Parse("f", []byte(`version: v1
type: flow
steps:
  - type: task
    name: t
    resourceArn: acs:fc:::services/s/functions/f
    retry:
      - errors: [FnF.ALL]
        maxAttempts: 0
`))
	if len(diags) > 0 || f.Steps[0].(*TaskStep).Retry[0].MaxAttempts != 0 {
		t.Errorf("got %s", diagText(diags))
	}
}

// A mapping target is a plain key: a dot in it does not nest.
func TestTargetIsAPlainKey(t *testing.T) {
	got := evalOrFail(t, []Mapping{{Target: "a.b", Constant: 1.0}}, Vars{})
	if !reflect.DeepEqual(got, map[string]any{"a.b": 1.0}) {
		t.Errorf("got %v", got)
	}
}

// Q2: end: true replaces only the move to the next step; a goto of the same
// step is still taken, so its target is reachable.
func TestEndDoesNotStopGoto(t *testing.T) {
	got := diagsOf(t, `
  - type: task
    name: try
    end: true
    resourceArn: acs:fc:::services/s/functions/f
    catch:
      - errors: [FnF.ALL]
        goto: handle
  - type: pass
    name: handle
`)
	if got != "" {
		t.Errorf("got %s", got)
	}
}
