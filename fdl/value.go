package fdl

import "encoding/json"

// This file holds the few operations mappings and conditions need on JSON
// values (nil, bool, float64 or json.Number, string, []any, map[string]any;
// numbers are compared in number.go).

// deepCopy returns a copy of v that shares no map or slice with it, so that
// callers may change a mapping's result without changing the flow or the
// variables it was read from.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

// jsonEqual compares two JSON values strictly by type: a number never equals
// a string, whatever their text (reference §3.3.1, Q8).
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case float64, json.Number:
		c, ok := compareNumbers(a, b)
		return ok && c == 0
	case string:
		b, ok := b.(string)
		return ok && a == b
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !jsonEqual(av, bv) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

// JSONType names the JSON type of v for messages.
func JSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return "unsupported value"
	}
}
