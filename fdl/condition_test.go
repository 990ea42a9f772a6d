package fdl

import (
	"strings"
	"testing"
)

func TestConditionEval(t *testing.T) {
	input := map[string]any{
		"status":           "ready",
		"count":            4000.0,
		"total_size":       10.0,
		"small_file_limit": 50.0,
		"hasMore":          true,
		"done":             false,
		"audited":          true,
		"nothing":          nil,
		"tags":             []any{"a", "b", 1.0},
		"obj":              map[string]any{"k": 1.0},
		"arr":              []any{map[string]any{"x": 1.0}},
		"name":             "ä",
		"str4000":          "4000",
	}
	tests := []struct {
		cond string
		want bool
	}{
		// Literals and comparisons (reference §3.3.1).
		{`$.status == "ready"`, true},
		{"$.status == `ready`", true},
		{`$.status != "ready"`, false},
		{`$.count == 4000`, true},
		{`$.count >= 4000`, true},
		{`$.count > 4000`, false},
		{`$.count < 4000.5`, true},
		{`$.count <= 3999`, false},
		{`$.count > -1`, true},
		{`-$.count < 0`, true},
		{`$.count > 1e3`, true},
		{`$.total_size <= $.small_file_limit`, true},
		{`"a" < "b"`, true},
		{`$.name > "z"`, true}, // code point order
		{`true`, true},
		{`false`, false},
		{`$.nothing == null`, true},
		{`null == null`, true},
		// Logic, precedence and parentheses.
		{`$.hasMore && $.count > 10`, true},
		{`$.done || $.hasMore`, true},
		{`$.done && $.hasMore || true`, true},
		{`$.done && ($.hasMore || true)`, false},
		{`!$.done`, true},
		{`!$.count == 4000`, false}, // ! binds looser than ==
		{`!!$.hasMore`, true},
		// Bare paths as truth values.
		{`$.hasMore`, true},
		{`$.done`, false},
		{`$.nothing`, false},
		{`$.missing`, false},
		{`!$.missing`, true},
		// Membership.
		{`"a" in $.tags`, true},
		{`1 in $.tags`, true},
		{`"1" in $.tags`, false},
		{`"k" in $.obj`, true},
		{`"x" in $.obj`, false},
		{`1 in $.obj`, false},
		{`$.status in ["ready", "done"]`, true},
		{`$.status in []`, false},
		{`"a" in $.nothing`, false},
		{`[1, 2] == [1, 2]`, true},
		{`$.arr[0].x == 1`, true},
		// Strict JSON types (Q8): no coercion.
		{`$.audited == "true"`, false},
		{`$.audited == true`, true},
		{`$.str4000 == 4000`, false},
		{`$.str4000 != 4000`, true},
		// Missing paths (Q3): every comparison with one is false.
		{`$.missing == "x"`, false},
		{`$.missing != "x"`, false},
		{`$.missing == null`, false},
		{`$.missing > 1`, false},
		{`$.missing in [1]`, false},
		{`"x" in $.missing`, false},
		{`$.missing.deeper == 1`, false},
		{`$.status.deeper == 1`, false},
		{`[$.missing] == [1]`, false},
		{`-$.missing < 0`, false},
		{`!($.missing == "x")`, true},
	}
	for _, tt := range tests {
		c, err := ParseCondition(tt.cond)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.cond, err)
			continue
		}
		got, err := c.Eval(input)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", tt.cond, got, err, tt.want)
		}
		if c.String() != tt.cond {
			t.Errorf("String() = %q, want %q", c.String(), tt.cond)
		}
	}
}

func TestConditionEvalErrors(t *testing.T) {
	input := map[string]any{"s": "x", "n": 1.0, "o": map[string]any{}, "b": true}
	tests := []struct{ cond, wantErr string }{
		{`$.s > 1`, "> cannot compare a string with a number"},
		{`$.b < $.b`, "< compares numbers or strings, not a boolean"},
		{`$.n`, "$.n is a number, not a boolean"},
		{`$.s && true`, "$.s is a string, not a boolean"},
		{`!$.o`, "$.o is an object, not a boolean"},
		{`-$.s < 1`, "unary - needs a number"},
		{`1 in $.s`, "in needs an array or an object on the right"},
		{`$.n > $.s`, "cannot compare a number with a string"},
	}
	for _, tt := range tests {
		c, err := ParseCondition(tt.cond)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.cond, err)
			continue
		}
		_, err = c.Eval(input)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.cond, err, tt.wantErr)
		}
	}
}

func TestConditionShortCircuit(t *testing.T) {
	// The right side would be an error; it must not be evaluated.
	for _, cond := range []string{`false && $.s`, `true || $.s`} {
		c, err := ParseCondition(cond)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Eval(map[string]any{"s": "x"}); err != nil {
			t.Errorf("%s: %v", cond, err)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	tests := []struct{ cond, wantErr string }{
		{``, "expected a value, found the end of the condition"},
		{`$.a ==`, "expected a value"},
		{`$.a = 1`, `unexpected "=" (compare with ==)`},
		{`$.a & $.b`, "use && or ||"},
		{`$.a + 1 > 2`, "arithmetic is not supported"},
		{`$.a == 'x'`, "double quotes or backticks"},
		{`$.a == "x`, "unterminated string"},
		{"$.a == `x", "unterminated string"},
		{`$.a == "\q"`, "invalid escape"},
		{`$.a == 1 == 2`, "comparisons do not chain"},
		{`($.a == 1`, "expected ) to close"},
		{`$.a in [1, 2`, "expected , or ]"},
		{`$.a)`, `unexpected ")"`},
		{`len($.a) > 1`, `unknown name "len"`},
		{`$input.a == 1`, "conditions read the step input with $"},
		{`$..a`, "recursive descent"},
		{`$.a[`, "unterminated ["},
		{`1`, "a condition must be a boolean, not a number"},
		{`"x"`, "a condition must be a boolean, not a string"},
		{`1 && true`, "an operand of && must be a boolean, not a number"},
		{`!"x"`, "the operand of ! must be a boolean"},
		{`-"x" < 1`, "unary - needs a number, not a string"},
		{`"a" < 1`, "< cannot compare a string with a number"},
		{`true > false`, "> compares numbers or strings, not a boolean"},
		{`1 in "abc"`, "the right side of in must be an array or an object"},
		{`1e999 > 1`, "invalid number"},
		{strings.Repeat("(", 100) + "true" + strings.Repeat(")", 100), "nests more than"},
		{strings.Repeat("!", 100) + "true", "nests more than"},
	}
	for _, tt := range tests {
		_, err := ParseCondition(tt.cond)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseCondition(%q) error = %v, want it to contain %q", tt.cond, err, tt.wantErr)
		}
	}
}

func TestConditionSyntaxErrorPosition(t *testing.T) {
	_, err := ParseCondition(`$.a == 1 && $.b = 2`)
	se, ok := err.(*SyntaxError)
	if !ok || se.Offset != 16 {
		t.Fatalf("error = %#v, want a SyntaxError at offset 16", err)
	}
	if want := `unexpected "=" (compare with ==) at position 17 of "$.a == 1 && $.b = 2"`; se.Error() != want {
		t.Errorf("Error() = %q, want %q", se.Error(), want)
	}
}
