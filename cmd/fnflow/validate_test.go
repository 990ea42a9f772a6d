package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

func writeFlow(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const validFlow = `version: v1
type: flow
steps:
  - type: pass
    name: hello
`

const invalidFlow = `version: v1
type: flow
name: my_flow
steps:
  - type: wait
    name: nap
  - type: task
    name: call
    resourceArn: acs:fc:::services/s/functions/f
    retry:
      - errors: [FnF.ALL]
        maxAttempts: -1
`

func TestRunValidate(t *testing.T) {
	dir := t.TempDir()
	valid := writeFlow(t, dir, "valid.yaml", validFlow)
	invalid := writeFlow(t, dir, "invalid.yaml", invalidFlow)
	missing := filepath.Join(dir, "missing.yaml")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"valid flow prints nothing", []string{valid}, 0, "", ""},
		{"errors and warnings", []string{valid, invalid}, 1,
			invalid + ":3:1: warning: unknown key \"name\" is ignored\n" +
				invalid + ":5:5: nap: needs one of duration and timestamp\n" +
				invalid + ":12:22: call: retry[0].maxAttempts: must be between 0 and 2147483647, not -1\n", ""},
		{"flags after files", []string{invalid, "--json"}, 1, `"severity": "error"`, ""},
		{"unreadable file", []string{missing}, 1, missing + ": cannot read the file: no such file or directory\n", ""},
		{"no files", nil, 2, "", "no files given"},
		{"unknown flag", []string{"--yaml", valid}, 2, "", "flag provided but not defined"},
		{"help", []string{"-h"}, 0, "", "Usage: fnflow validate"},
		{"files after --", []string{"--", valid}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runValidate(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunValidateJSON(t *testing.T) {
	dir := t.TempDir()
	valid := writeFlow(t, dir, "valid.yaml", validFlow)
	invalid := writeFlow(t, dir, "invalid.json", `{"version": "v1", "type": "flow", "steps": [{"type": "loop", "name": "x"}]}`)

	var stdout bytes.Buffer
	if code := runValidate(context.Background(), []string{"--json", valid}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if strings.TrimSpace(stdout.String()) != "[]" {
		t.Errorf("valid flow: %s, want []", stdout.String())
	}

	stdout.Reset()
	if code := runValidate(context.Background(), []string{"--json", invalid}, &stdout, &bytes.Buffer{}); code != 1 {
		t.Fatalf("exit code %d", code)
	}
	var got []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{
		"file": invalid, "line": 1.0, "column": 54.0, "stepPath": "x", "severity": "error",
		"message": `type: unknown step type "loop"; loop steps appear only in an editor schema and are not supported, use a choice with goto`,
	}}
	if len(got) != 1 || !equalJSON(got[0], want[0]) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// With --functions, validate checks the bindings file and warns, at each
// step, about the functions and actions it leaves unbound; a bindings file
// with problems is an error of its own. The outputs are golden files under
// testdata/validate (go test -update rewrites them).
func TestRunValidateWithFunctions(t *testing.T) {
	const dir = "testdata/validate"
	flow := filepath.Join(dir, "orders.yaml")
	tests := []struct {
		golden   string
		args     []string
		wantCode int
	}{
		{"unbound.golden", []string{"--functions", filepath.Join(dir, "bindings.yaml"), flow}, 0},
		{"bad-bindings.golden", []string{flow, "--functions", filepath.Join(dir, "bad-bindings.yaml")}, 1},
		{"missing-bindings.golden", []string{"--functions", filepath.Join(dir, "missing.yaml"), flow}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runValidate(context.Background(), tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			path := filepath.Join(dir, tt.golden)
			if *update {
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if stdout.String() != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, stdout.String(), want)
			}
		})
	}
}

// unboundSteps finds task steps at any depth and points at each.
func TestUnboundSteps(t *testing.T) {
	flow, diags := fdl.Parse("f.yaml", []byte(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.cards
      item: card
    steps:
      - type: task
        name: read
        action: ocr:RecognizeBankCard
  - type: task
    name: bound
    action: ocr:RecognizeIdentityCard
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	bindings, err := activities.ParseBindings([]byte("actions:\n  - action: ocr:RecognizeIdentityCard\n    http: {url: http://x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := unboundSteps("f.yaml", flow, bindings)
	want := fdl.Diagnostic{File: "f.yaml", Pos: fdl.Pos{Line: 10, Col: 9}, StepPath: "each/read", Severity: fdl.SeverityWarning,
		Message: "action ocr:RecognizeBankCard is not bound: add it to the actions of the --functions file"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
