package interpreter

import (
	"encoding/json"
	"testing"
)

// mustJSON renders v as canonical JSON (sorted keys) for comparisons.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %v: %v", v, err)
	}
	return normJSON(t, string(b))
}

func normJSON(t *testing.T, text string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
