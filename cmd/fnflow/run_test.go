package main

import (
	"strings"
	"testing"
)

func TestRunAndExecCommands(t *testing.T) {
	_, endpoint := startClientStack(t)
	mustFnflow(t, "flow", "deploy", "testdata/client/hello.yaml", "testdata/client/refuse.yaml", endpoint)

	t.Run("run --wait succeeds", func(t *testing.T) {
		out := mustFnflow(t, "run", "hello", "--name", "run1", "--input", `{"who":"world"}`, "--wait", endpoint)
		if !strings.Contains(out, "Status:     Succeeded\n") || !strings.Contains(out, `Output:     {"greeting":"world"}`) {
			t.Errorf("got\n%s", out)
		}
	})

	t.Run("run --wait --json of a failing flow", func(t *testing.T) {
		status, stdout, _ := fnflow(t, "run", "refuse", "--name", "run2", "--wait", "--json", endpoint)
		var e map[string]any
		decodeJSON(t, stdout, &e)
		if status != 1 || e["Status"] != "Failed" || e["Name"] != "run2" || e["FlowName"] != "refuse" || e["RequestId"] == nil {
			t.Errorf("want exit 1 and the Failed execution object, got %d %v", status, e)
		}
	})

	t.Run("exec show names the error", func(t *testing.T) {
		out := mustFnflow(t, "exec", "show", "refuse", "run2", endpoint)
		if !strings.Contains(out, "Status:     Failed\n") || !strings.Contains(out, "Error:      Order.Refused\nCause:      nobody may order today\n") {
			t.Errorf("got\n%s", out)
		}
	})

	t.Run("run without --wait, input from a file", func(t *testing.T) {
		input := writeSecret(t, `{"who":"file"}`)
		if out := mustFnflow(t, "run", "hello", "--name", "run3", "--input", "@"+input, endpoint); out != "started execution run3 of flow hello\n" {
			t.Errorf("got %q", out)
		}
		if _, out := showEnded(t, endpoint, "hello", "run3"); !strings.Contains(out, `Output:     {"greeting":"file"}`) {
			t.Errorf("got\n%s", out)
		}
	})

	t.Run("exec history", func(t *testing.T) {
		checkGolden(t, "exec-history.golden", mustFnflow(t, "exec", "history", "refuse", "run2", endpoint))
		var page struct {
			Events []struct {
				EventId     int64
				Type        string
				EventDetail string
			}
		}
		decodeJSON(t, mustFnflow(t, "exec", "history", "refuse", "run2", "--json", endpoint), &page)
		if n := len(page.Events); n == 0 || page.Events[0].EventId != 1 || page.Events[n-1].Type != "ExecutionFailed" {
			t.Errorf("--json: got %+v", page.Events)
		}
	})

	t.Run("exec list", func(t *testing.T) {
		var out string
		for range 100 {
			if out = mustFnflow(t, "exec", "list", "hello", endpoint); strings.Count(out, "Succeeded") == 2 {
				break
			}
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME  STATUS     STARTED") || !strings.HasPrefix(lines[1], "run3  Succeeded  ") {
			t.Errorf("got\n%s", out)
		}
		var page struct {
			Executions []struct{ Name, Status string }
		}
		decodeJSON(t, mustFnflow(t, "exec", "list", "refuse", "--status", "Failed", "--json", endpoint), &page)
		if len(page.Executions) != 1 || page.Executions[0].Name != "run2" {
			t.Errorf("--status Failed --json: got %+v", page.Executions)
		}
	})

	t.Run("errors", func(t *testing.T) {
		status, _, stderr := fnflow(t, "run", "nosuchflow", "--wait", endpoint)
		if status != 1 || !strings.HasPrefix(stderr, "fnflow run: FlowNotExists: ") {
			t.Errorf("unknown flow: want exit 1 with the API's code, got %d %q", status, stderr)
		}
		status, _, stderr = fnflow(t, "exec", "show", "hello", "nosuch", endpoint)
		if status != 1 || !strings.Contains(stderr, "ExecutionNotExists") {
			t.Errorf("unknown execution: got %d %q", status, stderr)
		}
		if status, _, _ := fnflow(t, "run", "hello", "--input", "[1]", endpoint); status != 2 {
			t.Errorf("an input that is not an object: want exit 2, got %d", status)
		}
		status, _, stderr = fnflow(t, "run", "hello", "--endpoint", "http://127.0.0.1:1")
		if status != 1 || !strings.Contains(stderr, "connection refused") {
			t.Errorf("no gateway: want exit 1, got %d %q", status, stderr)
		}
	})
}
