package fdl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The fuzz targets check that no input makes the parsers panic or behave
// differently from one run to the next, and that paths find what JSONPath
// finds. make fuzz runs each for a short, fixed time; seeds come from the
// test data and the table tests.

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/*/*.json")
	for _, file := range append(files, jsonFiles...) {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(""))
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte(`{"version": "v1", "type": "flow", "steps": [{"type": "pass", "name": "p"}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		flow, diags := Parse("fuzz.yaml", src)
		if flow == nil && !diags.HasErrors() {
			t.Fatal("no flow and no error")
		}
		if !slices.IsSortedFunc(diags, func(a, b Diagnostic) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		}) {
			t.Fatal("diagnostics are not in source order")
		}
		_, again := Parse("fuzz.yaml", src)
		if !slices.Equal(diags, again) {
			t.Fatalf("two parses differ:\n%v\n%v", diags, again)
		}
	})
}

// fuzzInput is a value for paths and conditions to read.
var fuzzInput = map[string]any{
	"a": map[string]any{"b": []any{1.0, "x", nil, true, map[string]any{"c": "d"}}},
	"n": 1.5, "s": "str", "t": true, "z": nil, "l": []any{[]any{1.0}, []any{2.0, 3.0}},
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$input.a.b[0]", "$local[*].parts[*]", "$context.task.token", `$["a b"]`, `$['x\'y']`, "$.a-b", "$[-1]", "$.*", "$..a", "$[1:2]", "$inputs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePath(text)
		if err != nil {
			return
		}
		if p.String() != text {
			t.Fatalf("String() = %q, want %q", p.String(), text)
		}
		got, err := p.Get(fuzzInput)
		projects := slices.ContainsFunc(p.segs, func(s segment) bool { return s.kind == segWildcard })
		if _, isArray := got.([]any); err == nil && projects && !isArray {
			t.Fatalf("a projection returned %T", got)
		}
		if diff := agreeWithJSONPath(p, fuzzInput); diff != "" {
			t.Fatalf("%s: %s", text, diff)
		}
	})
}

func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		`$.a.b[0] == 1 && !($.s != "str") || $.t`,
		"$.s in [`str`, \"x\", -1.5e3, null, true]",
		`"b" in $.a`, `-$.n < 0`, `$.missing > 1`, `$.z == null`, `((true))`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCondition(text)
		if err != nil {
			return
		}
		if c.String() != text {
			t.Fatalf("String() = %q, want %q", c.String(), text)
		}
		got1, err1 := c.Eval(fuzzInput)
		got2, err2 := c.Eval(fuzzInput)
		if got1 != got2 || (err1 == nil) != (err2 == nil) {
			t.Fatal("two evaluations differ")
		}
	})
}
