package fdl

import (
	"reflect"
	"testing"
)

// The examples the reference (../shared/reference/fdl.md) gives, one test
// each, in the order the reference gives them.

func parseValid(t *testing.T, src string) *Flow {
	t.Helper()
	f, diags := Parse("example.yaml", []byte(src))
	if len(diags) > 0 || f == nil {
		t.Fatalf("diagnostics:\n%s", diagText(diags))
	}
	return f
}

func evalOrFail(t *testing.T, ms []Mapping, vars Vars) map[string]any {
	t.Helper()
	got, err := EvalMappings(ms, vars)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// §2.7: sources that are paths, and constants of every JSON type written as
// the samples write them.
func TestExampleMappingSources(t *testing.T) {
	f := parseValid(t, `version: v1
type: flow
steps:
  - type: pass
    name: p
    outputMappings:
      - {target: key, source: $input.key}
      - {target: name, source: $local.Data.FrontResult.Name}
      - {target: wholeInput, source: $input}
      - {target: wholeLocal, source: $local}
      - target: names
        source: $local.branches[*].name
      - target: parts
        source: $local.branches[*].parts[*]
      - {target: execution, source: $context.execution.name}
      - {target: s1, source: pass1}
      - {target: s2, source: http://httpbin.org/post}
      - {target: s3, source: SubflowError}
      - {target: s4, source: ""}
      - {target: n1, source: 100}
      - {target: n2, source: 52428800}
      - {target: b, source: true}
      - {target: flowObject, source: {"a": "b", "c": 1}}
      - target: blockObject
        source:
          a: b
          c: [1, 2]
      - {target: array, source: ["A","B"]}
      - {target: literalInside, source: {"x": "$input.key"}}
`)
	vars := Vars{
		Input: map[string]any{"key": "v"},
		Local: map[string]any{
			"Data":     map[string]any{"FrontResult": map[string]any{"Name": "Zhang San"}},
			"branches": []any{map[string]any{"name": "a", "parts": []any{1.0}}, map[string]any{"name": "b", "parts": []any{2.0, 3.0}}},
		},
		Context: map[string]any{"execution": map[string]any{"name": "e1"}},
	}
	got := evalOrFail(t, f.Steps[0].Common().OutputMappings, vars)
	want := map[string]any{
		"key": "v", "name": "Zhang San", "wholeInput": vars.Input, "wholeLocal": vars.Local,
		"names": []any{"a", "b"}, "parts": []any{1.0, 2.0, 3.0}, "execution": "e1",
		"s1": "pass1", "s2": "http://httpbin.org/post", "s3": "SubflowError", "s4": "",
		"n1": 100.0, "n2": 52428800.0, "b": true,
		"flowObject":    map[string]any{"a": "b", "c": 1.0},
		"blockObject":   map[string]any{"a": "b", "c": []any{1.0, 2.0}},
		"array":         []any{"A", "B"},
		"literalInside": map[string]any{"x": "$input.key"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// §5.2: input {"key":"value_1"} with inputMappings key_1 <- $input.key and
// key_2 <- value sends the body {"key_1":"value_1","key_2":"value"}.
func TestExampleQueueMessageBody(t *testing.T) {
	f := parseValid(t, `version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: acs:mns:::/queues/q/messages
    inputMappings:
      - target: key_1
        source: $input.key
      - target: key_2
        source: value
    serviceParams:
      MessageBody: $
      Priority: 1
`)
	task := f.Steps[0].(*TaskStep)
	input := evalOrFail(t, task.InputMappings, Vars{Input: map[string]any{"key": "value_1"}})
	params, err := task.EvalServiceParams(input)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"key_1": "value_1", "key_2": "value"}; !reflect.DeepEqual(params["MessageBody"], want) {
		t.Errorf("MessageBody = %#v", params["MessageBody"])
	}
}

// §3.5: a parallel step exposes its branches with $local[*].
func TestExampleParallelOutput(t *testing.T) {
	f := parseValid(t, `version: v1
type: flow
steps:
  - type: parallel
    name: par
    branches:
      - steps: [{type: pass, name: a}]
      - steps: [{type: pass, name: b}]
    outputMappings:
      - target: result
        source: $local[*].result
`)
	local := []any{map[string]any{"result": "x"}, map[string]any{"result": "y"}}
	got := evalOrFail(t, f.Steps[0].Common().OutputMappings, Vars{Local: local})
	if want := map[string]any{"result": []any{"x", "y"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
}

// §3.6: the collection $.names of input {"names":["a","b","c"]}.
func TestExampleForeachCollection(t *testing.T) {
	f := parseValid(t, `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
    steps: [{type: pass, name: p}]
    outputMappings:
      - target: names
        source: $local[*].name
`)
	each := f.Steps[0].(*ForeachStep)
	got, err := each.Collection.Get(map[string]any{"names": []any{"a", "b", "c"}})
	if err != nil || !reflect.DeepEqual(got, []any{"a", "b", "c"}) {
		t.Errorf("collection = %v, %v", got, err)
	}
}

// §3.3.1: every literal form and operator the reference lists.
func TestExampleConditions(t *testing.T) {
	input := map[string]any{
		"total_size": 100.0, "small_file_limit": 52428800.0, "eventId": 4001.0,
		"status": "ready", "delta": -1.0, "ratio": 1.5, "hasMore": true,
		"tags": []any{"x"}, "obj": map[string]any{"k": nil},
	}
	for _, cond := range []string{
		`$.total_size <= $.small_file_limit`,
		`$.eventId > 4000`,
		`$.delta == -1`,
		`$.ratio == 1.5`,
		`$.status == "ready"`,
		"$.status == `ready`",
		`$.hasMore`,
		`$.hasMore == true && !(false)`,
		`$.obj.k == null`,
		`"x" in $.tags`,
		`"k" in $.obj`,
		`$.status in ["ready", "done"]`,
		`-$.delta > 0`,
		`$.status != "done" || $.total_size < 1`,
	} {
		c, err := ParseCondition(cond)
		if err != nil {
			t.Errorf("%s: %v", cond, err)
			continue
		}
		if ok, err := c.Eval(input); !ok || err != nil {
			t.Errorf("%s = %v, %v; want true", cond, ok, err)
		}
	}
}

// §6.2: the metadata's own example definitions carry a top-level name key.
func TestExampleTopLevelName(t *testing.T) {
	f, diags := Parse("f", []byte("type: flow\nversion: v1\nname: my_flow_name\nsteps:\n  - type: pass\n    name: p\n"))
	want := "f:3:1: warning: unknown key \"name\" is ignored\n"
	if f == nil || diags.HasErrors() || diagText(diags) != want {
		t.Errorf("got %s", diagText(diags))
	}
}

// §3.4: both wait forms, literal and path.
func TestExampleWait(t *testing.T) {
	f := parseValid(t, `version: v1
type: flow
steps:
  - {type: wait, name: a, duration: 10}
  - {type: wait, name: b, duration: $.seconds}
  - {type: wait, name: c, timestamp: 2019-05-02T15:04:05Z}
  - {type: wait, name: d, timestamp: "2019-05-02T15:04:05+08:00"}
  - {type: wait, name: e, timestamp: $.until}
`)
	got := []WaitValue{*f.Steps[0].(*WaitStep).Duration, *f.Steps[2].(*WaitStep).Timestamp, *f.Steps[3].(*WaitStep).Timestamp}
	want := []WaitValue{{Seconds: 10}, {Time: "2019-05-02T15:04:05Z"}, {Time: "2019-05-02T15:04:05+08:00"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if f.Steps[1].(*WaitStep).Duration.Path.String() != "$.seconds" || f.Steps[4].(*WaitStep).Timestamp.Path.String() != "$.until" {
		t.Error("wait paths were not read")
	}
}
