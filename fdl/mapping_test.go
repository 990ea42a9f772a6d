package fdl

import (
	"reflect"
	"strings"
	"testing"
)

func mustPath(t *testing.T, text string) *Path {
	t.Helper()
	p, err := ParsePath(text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalMappings(t *testing.T) {
	vars := Vars{
		Input:   map[string]any{"key": "value_1", "list": []any{1.0, 2.0}},
		Local:   []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}},
		Context: map[string]any{"task": map[string]any{"token": "tok"}},
	}
	ms := []Mapping{
		{Target: "key_1", Source: mustPath(t, "$input.key")},
		{Target: "key_2", Constant: "value"},
		{Target: "names", Source: mustPath(t, "$local[*].name")},
		{Target: "token", Source: mustPath(t, "$context.task.token")},
		{Target: "all", Source: mustPath(t, "$input")},
		{Target: "obj", Constant: map[string]any{"a": []any{"b"}}},
		{Target: "n", Constant: nil},
		{Target: "dup", Constant: 1.0},
		{Target: "dup", Constant: 2.0}, // the last one wins
	}
	got, err := EvalMappings(ms, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"key_1": "value_1",
		"key_2": "value",
		"names": []any{"a", "b"},
		"token": "tok",
		"all":   map[string]any{"key": "value_1", "list": []any{1.0, 2.0}},
		"obj":   map[string]any{"a": []any{"b"}},
		"n":     nil,
		"dup":   2.0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}

	// The result shares nothing with the mappings or the variables.
	got["obj"].(map[string]any)["a"].([]any)[0] = "changed"
	got["all"].(map[string]any)["list"].([]any)[0] = "changed"
	if ms[5].Constant.(map[string]any)["a"].([]any)[0] != "b" {
		t.Error("changing the result changed a constant")
	}
	if vars.Input.(map[string]any)["list"].([]any)[0] != 1.0 {
		t.Error("changing the result changed $input")
	}
}

// Q3: a mapping whose source path does not exist fails the step.
func TestEvalMappingsMissingPath(t *testing.T) {
	ms := []Mapping{{Target: "x", Source: mustPath(t, "$input.absent")}}
	_, err := EvalMappings(ms, Vars{Input: map[string]any{}})
	if err == nil || err.Error() != `mapping to "x": $input has no key "absent"` {
		t.Fatalf("error = %v", err)
	}
	// Only a projection may come up empty.
	ms = []Mapping{{Target: "x", Source: mustPath(t, "$local[*].absent")}}
	got, err := EvalMappings(ms, Vars{Local: []any{map[string]any{}}})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"x": []any{}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestEvalMappingsStepRoot(t *testing.T) {
	ms := []Mapping{{Target: "x", Source: mustPath(t, "$.a")}}
	_, err := EvalMappings(ms, Vars{})
	if err == nil || !strings.Contains(err.Error(), "cannot be read in a mapping") {
		t.Fatalf("error = %v", err)
	}
}

// Q13: errorMappings see the error name as error and as code.
func TestErrorLocal(t *testing.T) {
	ms := []Mapping{
		{Target: "e", Source: mustPath(t, "$local.error")},
		{Target: "c", Source: mustPath(t, "$local.code")},
		{Target: "m", Source: mustPath(t, "$local.cause")},
	}
	got, err := EvalMappings(ms, Vars{Local: ErrorLocal("BookFlightError", "no seats")})
	want := map[string]any{"e": "BookFlightError", "c": "BookFlightError", "m": "no seats"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v", got, err)
	}
}
