package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraph(t *testing.T) {
	dir := t.TempDir()
	valid := writeFlow(t, dir, "valid.yaml", validFlow)
	invalid := writeFlow(t, dir, "invalid.yaml", invalidFlow)
	out := filepath.Join(dir, "flow.svg")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"mermaid by default", []string{valid}, 0, "flowchart TD\n  flow_start([\"start\"])\n  s_hello[\"hello<br/>pass\"]\n", ""},
		{"dot", []string{"--format", "dot", valid}, 0, "s_hello -> flow_end;", ""},
		{"svg after the file", []string{valid, "--format=svg"}, 0, `<g class="node" id="s_hello" data-path="hello">`, ""},
		{"invalid flow prints its diagnostics", []string{invalid}, 1,
			invalid + ":5:5: nap: needs one of duration and timestamp\n", ""},
		{"warnings go to stderr", []string{"--format", "dot", writeFlow(t, dir, "warn.yaml", validFlow+"name: x\n")}, 0,
			"digraph flow", "warning: unknown key \"name\" is ignored"},
		{"unreadable file", []string{filepath.Join(dir, "missing.yaml")}, 1, "cannot read the file", ""},
		{"unknown format", []string{"--format", "png", valid}, 2, "", "unknown format \"png\""},
		{"two files", []string{valid, valid}, 2, "", "FILE|FLOW [--execution NAME]"},
		{"no JSON form", []string{"--json", valid}, 2, "", "graph draws a picture and has no --json"},
		{"help", []string{"-h"}, 0, "", "Usage: fnflow graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runGraph(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) || tt.wantStdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout:\n%s\nwant it to contain:\n%s", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) || tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr:\n%s\nwant it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}

	t.Run("to a file", func(t *testing.T) {
		var stdout bytes.Buffer
		if code := runGraph(context.Background(), []string{"-o", out, "--format", "svg", valid}, &stdout, &bytes.Buffer{}); code != 0 || stdout.Len() > 0 {
			t.Fatalf("exit code %d, stdout %q", code, stdout.String())
		}
		svg, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(svg, []byte("<svg ")) {
			t.Errorf("file: %.40q, %v", svg, err)
		}
	})
}
