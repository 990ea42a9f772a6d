package fdl

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		text    string
		root    string
		wantErr string
	}{
		{"$", RootStep, ""},
		{"$input", RootInput, ""},
		{"$local", RootLocal, ""},
		{"$context", RootContext, ""},
		{"$input.key", RootInput, ""},
		{"$local.Data.FrontResult.Name", RootLocal, ""},
		{"$input.key_info[0]", RootInput, ""},
		{"$local[*].name", RootLocal, ""},
		{"$local[*].parts[*]", RootLocal, ""},
		{"$local.*", RootLocal, ""},
		{"$context.task.token", RootContext, ""},
		{"$.a-b", RootStep, ""},
		{`$["a b"]`, RootStep, ""},
		{`$['it\'s']`, RootStep, ""},
		{"$[ 2 ]", RootStep, ""},
		{"$[-1]", RootStep, ""},
		{"$.名前", RootStep, ""},
		{"", "", "a path starts with"},
		{"input.key", "", "a path starts with"},
		{"$inputs.key", "", "a path starts with"},
		{"@.key", "", "a path starts with"},
		{"$input.", "", "expected a key"},
		{"$input..key", "", "recursive descent"},
		{"$input.a b", "", "unexpected"},
		{"$input[", "", "unterminated ["},
		{"$input[1:2]", "", "unions and slices"},
		{"$input[0,1]", "", "unions and slices"},
		{"$input[?(@.a)]", "", "filters"},
		{`$input["abc`, "", "unterminated quoted key"},
		{`$input["\q"]`, "", "invalid escape"},
		{"$input[99999999999]", "", "invalid index"},
		{"$input[x]", "", "expected an index"},
		{"$input[1", "", "expected ]"},
		{"$.-a", "", "expected a key"},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.text)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePath(%q) error = %v, want it to contain %q", tt.text, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tt.text, err)
			continue
		}
		if p.Root() != tt.root || p.String() != tt.text {
			t.Errorf("ParsePath(%q) = root %q text %q", tt.text, p.Root(), p.String())
		}
	}
}

func TestPathGet(t *testing.T) {
	input := map[string]any{
		"key":  "v",
		"n":    nil,
		"a-b":  1.0,
		"a b":  2.0,
		"list": []any{"x", "y", "z"},
		"obj":  map[string]any{"b": 2.0, "a": 1.0},
		"branches": []any{
			map[string]any{"name": "one", "parts": []any{1.0, 2.0}},
			map[string]any{"parts": []any{3.0}},
			map[string]any{"name": "three", "parts": []any{}},
		},
	}
	tests := []struct {
		text    string
		want    any
		wantErr string
	}{
		{"$", input, ""},
		{"$.key", "v", ""},
		{"$.n", nil, ""},
		{"$.a-b", 1.0, ""},
		{`$["a b"]`, 2.0, ""},
		{"$.list[0]", "x", ""},
		{"$.list[-1]", "z", ""},
		{"$.list[*]", []any{"x", "y", "z"}, ""},
		{"$.obj.*", []any{1.0, 2.0}, ""}, // object wildcards go in key order
		{"$.branches[*].name", []any{"one", "three"}, ""},
		{"$.branches[*].parts[*]", []any{1.0, 2.0, 3.0}, ""},
		{"$.branches[*].missing", []any{}, ""},
		{"$.missing", nil, `$ has no key "missing"`},
		{"$.key.deeper", nil, "$.key is a string, not an object"},
		{"$.list[3]", nil, "$.list has 3 elements, no index 3"},
		{"$.list[-4]", nil, "no index -4"},
		{"$.obj[0]", nil, "$.obj is an object, not an array"},
		{"$.key[*]", nil, "$.key is a string, not an array or object"},
		{"$.n.x", nil, "$.n is null, not an object"},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.text)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", tt.text, err)
		}
		got, err := p.Get(input)
		if tt.wantErr != "" {
			var nf *NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error = %v, want a NotFoundError containing %q", tt.text, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v, %v; want %#v", tt.text, got, err, tt.want)
		}
	}
}
