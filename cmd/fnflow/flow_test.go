package main

import (
	"strings"
	"testing"
)

func TestFlowCommands(t *testing.T) {
	_, endpoint := startClientStack(t)

	t.Run("an invalid file deploys nothing", func(t *testing.T) {
		status, stdout, stderr := fnflow(t, "flow", "deploy", "testdata/client/hello.yaml", "testdata/client/broken.yaml", endpoint)
		if status != 1 || stdout != "" || !strings.Contains(stderr, "testdata/client/broken.yaml:4:") || !strings.Contains(stderr, "nothing deployed") {
			t.Fatalf("want exit 1 with broken.yaml's diagnostics, got %d\n%s%s", status, stdout, stderr)
		}
		if status, _, stderr := fnflow(t, "flow", "show", "hello", endpoint); status != 1 || !strings.Contains(stderr, "FlowNotExists") {
			t.Errorf("hello must not be deployed beside an invalid file: %d %s", status, stderr)
		}
	})

	t.Run("deploy creates, then updates", func(t *testing.T) {
		out := mustFnflow(t, "flow", "deploy", "testdata/client/hello.yaml", "testdata/client/refuse.yaml", endpoint)
		if want := "created flow hello from testdata/client/hello.yaml\ncreated flow refuse from testdata/client/refuse.yaml\n"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
		out = mustFnflow(t, "flow", "deploy", "--name", "greeter", "testdata/client/hello.yaml", endpoint)
		if out != "created flow greeter from testdata/client/hello.yaml\n" {
			t.Errorf("--name: got %q", out)
		}
		if out = mustFnflow(t, "flow", "deploy", "testdata/client/hello.yaml", endpoint); out != "updated flow hello from testdata/client/hello.yaml\n" {
			t.Errorf("again: got %q", out)
		}
	})

	t.Run("list", func(t *testing.T) {
		// ListFlows reads Temporal's visibility store, which lags a moment.
		var out string
		for range 100 {
			if out = mustFnflow(t, "flow", "list", endpoint); strings.Count(out, "\n") == 4 {
				break
			}
		}
		checkGolden(t, "flow-list.golden", out)

		var page struct {
			Flows []struct{ Name, Type, Definition string }
		}
		decodeJSON(t, mustFnflow(t, "flow", "list", "--json", endpoint), &page)
		if len(page.Flows) != 3 || page.Flows[0].Type != "FDL" {
			t.Errorf("--json: want the three flows, got %+v", page.Flows)
		}
	})

	t.Run("show", func(t *testing.T) {
		out := mustFnflow(t, "flow", "show", "hello", endpoint)
		if !strings.HasPrefix(out, "Name:           hello\nType:           FDL\n") || !strings.HasSuffix(out, "source: $input.who\n") {
			t.Errorf("got\n%s", out)
		}
		var flow map[string]any
		decodeJSON(t, mustFnflow(t, "flow", "show", "hello", "--json", endpoint), &flow)
		for _, field := range []string{"RequestId", "Id", "Name", "Definition", "Type", "CreatedTime", "LastModifiedTime"} {
			if flow[field] == "" || flow[field] == nil {
				t.Errorf("--json: %s is missing: %v", field, flow)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if out := mustFnflow(t, "flow", "delete", "greeter", endpoint); out != "deleted flow greeter\n" {
			t.Errorf("got %q", out)
		}
		status, _, stderr := fnflow(t, "flow", "delete", "greeter", endpoint)
		if status != 1 || !strings.HasPrefix(stderr, "fnflow flow delete: FlowNotExists: ") || !strings.Contains(stderr, "HTTP 404") {
			t.Errorf("deleting again: want exit 1 with the API's code, got %d %q", status, stderr)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"flow"},
			{"flow", "nope"},
			{"flow", "deploy"},
			{"flow", "show"},
			{"flow", "deploy", "--name", "x", "testdata/client/hello.yaml", "testdata/client/refuse.yaml"},
			{"flow", "list", "--access-key-id", "id"},
		} {
			if status, _, _ := fnflow(t, append(args, endpoint)...); status != 2 {
				t.Errorf("fnflow %s: want exit 2, got %d", strings.Join(args, " "), status)
			}
		}
	})
}
