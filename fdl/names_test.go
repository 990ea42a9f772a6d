package fdl

import (
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"my_flow":                true,
		"_x":                     true,
		"a-b-1":                  true,
		strings.Repeat("a", 128): true,
		"":                       false,
		"1flow":                  false,
		"-flow":                  false,
		"has space":              false,
		"a/b":                    false,
		strings.Repeat("a", 129): false,
		"名前":                     false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestValidNamePrefix(t *testing.T) {
	for prefix, want := range map[string]bool{
		"":     true,
		"1":    true,
		"-a_b": true,
		"a'":   false,
		"a%":   false,
		"a b":  false,
		"a/b":  false,
		"名":    false,
		"a\nb": false,
	} {
		if got := ValidNamePrefix(prefix); got != want {
			t.Errorf("ValidNamePrefix(%q) = %v, want %v", prefix, got, want)
		}
	}
}

func TestCheckStepName(t *testing.T) {
	for name, wantErr := range map[string]string{
		"mns-topic-task":         "",
		"step.1":                 "",
		"审核":                     "", // the managed service is used in Chinese too
		strings.Repeat("x", 128): "",
		"":                       "must not be empty",
		strings.Repeat("x", 129): "longer than 128",
		"a/b":                    `contains "/"`,
		"a b":                    "white space",
		"a\tb":                   "white space",
		"a\x00b":                 "control characters",
		"\xff":                   "not valid UTF-8",
	} {
		got := checkStepName(name)
		if wantErr == "" && got != "" || !strings.Contains(got, wantErr) {
			t.Errorf("checkStepName(%q) = %q, want %q", name, got, wantErr)
		}
	}
}
