package fdl

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// TestConditionOnExactNumbers: input that crossed Temporal holds json.Number
// (internal/payload), and conditions compare it as the number it is, with
// literals, with float64 values fnflow makes, and with each other, exactly.
func TestConditionOnExactNumbers(t *testing.T) {
	input := map[string]any{
		"count":  json.Number("4000"),
		"half":   json.Number("0.5"),
		"big":    json.Number("12345678901234567890"),
		"bigger": json.Number("12345678901234567891"),
		"same":   json.Number("1.2345678901234567890e19"),
		"long":   json.Number("123456789012345678901234567890.5"),
		"neg":    json.Number("-2"),
		"zero":   json.Number("-0"),
		"index":  3.0, // made by the interpreter
		"three":  json.Number("3"),
		"tags":   []any{json.Number("1"), "a"},
		"text":   "4000",
	}
	tests := []struct {
		cond string
		want bool
	}{
		{`$.count == 4000`, true},
		{`$.count == 4000.0`, true},
		{`$.count == 4e3`, true},
		{`$.count != 4000`, false},
		{`$.count > 3999`, true},
		{`$.count >= 4000.5`, false},
		{`$.half < 1`, true},
		{`$.half == 0.5`, true},
		{`$.big == 12345678901234567890`, true},
		{`$.big == 12345678901234567891`, false},
		{`$.big == $.bigger`, false},
		{`$.big < $.bigger`, true},
		{`$.big == $.same`, true},
		{`$.long == 123456789012345678901234567890.5`, true},
		{`$.long > 123456789012345678901234567890`, true},
		{`$.neg < 0`, true},
		{`-$.neg == 2`, true},
		{`$.neg == -2`, true},
		{`--2 == 2`, true},
		{`$.zero == 0`, true},
		{`$.index == $.three`, true},
		{`$.index < 3.5`, true},
		{`1 in $.tags`, true},
		{`$.count == $.text`, false}, // a number never equals a string
	}
	for _, tt := range tests {
		c, err := ParseCondition(tt.cond)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		got, err := c.Eval(input)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %v, want %v", tt.cond, got, tt.want)
		}
	}

	c, err := ParseCondition(`$.count > $.text`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Eval(input); err == nil {
		t.Error("ordering a json.Number against a string: no error")
	}
}

func TestJSONEqualExactNumbers(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{json.Number("1"), json.Number("1.000"), true},
		{json.Number("100"), json.Number("1e2"), true},
		{json.Number("0.001"), json.Number("1E-3"), true},
		{json.Number("12345678901234567890"), json.Number("12345678901234567891"), false},
		{json.Number("12345678901234567890"), 12345678901234567890.0, false}, // the float64 is 12345678901234567000
		{json.Number("0.1"), 0.1, true},
		{map[string]any{"n": json.Number("2")}, map[string]any{"n": 2.0}, true},
		{[]any{json.Number("2")}, []any{"2"}, false},
	}
	for _, tt := range tests {
		if got := jsonEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("jsonEqual(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := jsonEqual(tt.b, tt.a); got != tt.want {
			t.Errorf("jsonEqual(%#v, %#v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestAsNumber(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want float64
		ok   bool
	}{
		{json.Number("1.5"), 1.5, true},
		{2.0, 2, true},
		{json.Number("1e999999"), 0, false},
		{"1", 0, false},
	} {
		got, ok := AsNumber(tt.v)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("AsNumber(%#v) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzCompareNumbers checks the exact order of JSON numbers against
// math/big, for numbers small enough for big.Rat to hold at once.
func FuzzCompareNumbers(f *testing.F) {
	for _, pair := range [][2]string{
		{"1", "1.0"}, {"-0", "0"}, {"0.001", "1e-3"}, {"12345678901234567890", "12345678901234567891"},
		{"-2.5E+2", "-250"}, {"100", "99.999"}, {"-1", "-0.5"},
	} {
		f.Add(pair[0], pair[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, okA := exactRat(a)
		rb, okB := exactRat(b)
		if !okA || !okB {
			return
		}
		got, ok := compareNumbers(json.Number(a), json.Number(b))
		if want := ra.Cmp(rb); !ok || got != want {
			t.Fatalf("compareNumbers(%s, %s) = %d, %v; math/big says %d", a, b, got, ok, want)
		}
	})
}

// exactRat reads a JSON number of at most 40 characters whose exponent is
// at most 400 either way, which big.Rat holds in little memory.
func exactRat(s string) (*big.Rat, bool) {
	var n json.Number
	if len(s) > 40 || json.Unmarshal([]byte(s), &n) != nil || string(n) != s {
		return nil, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(s[i+1:]); err != nil || exp > 400 || exp < -400 {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}
