package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/client")

// fnflow runs the fnflow binary's command line in-process, with no FNFLOW_*
// variable from the shell, and returns its exit status and output.
func fnflow(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	status = run(context.Background(), args, &out, &errs)
	return status, out.String(), errs.String()
}

// mustFnflow runs a command that must succeed and returns its output.
func mustFnflow(t *testing.T, args ...string) string {
	t.Helper()
	status, stdout, stderr := fnflow(t, args...)
	if status != 0 {
		t.Fatalf("fnflow %s: exit %d\n%s%s", strings.Join(args, " "), status, stdout, stderr)
	}
	return stdout
}

// startClientStack starts a local stack with the sample echo function and
// returns its gateway's --endpoint.
func startClientStack(t *testing.T) (*localStack, string) {
	t.Helper()
	clearEnvironment(t)
	fn := httptest.NewServer(&echoFunction{})
	t.Cleanup(fn.Close)
	stack := startStack(t, t.TempDir(), fn.URL, "")
	t.Cleanup(func() {
		if err := stack.stop(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return stack, "--endpoint=" + stack.gatewayURL
}

// timestamps are what the tables show of API times, replaced for golden
// files by one of the same width so that columns stay aligned.
var timestamps = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

// checkGolden compares output, times normalised, with testdata/client/name.
func checkGolden(t *testing.T, name, output string) {
	t.Helper()
	got := timestamps.ReplaceAllString(output, "2006-01-02 15:04:05")
	path := filepath.Join("testdata", "client", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// decodeJSON decodes a --json output into v.
func decodeJSON(t *testing.T, output string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(output), v); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, output)
	}
}

// taskToken reads the callback token of an execution's TaskSubmitted event
// from `exec history --json`, as a person scripting the CLI would.
func taskToken(t *testing.T, endpoint, flow, execution string) string {
	t.Helper()
	for range 400 {
		var history struct {
			Events []struct{ Type, EventDetail string }
		}
		decodeJSON(t, mustFnflow(t, "exec", "history", flow, execution, "--json", endpoint), &history)
		for _, e := range history.Events {
			var detail struct{ TaskToken string }
			if e.Type == "TaskSubmitted" && json.Unmarshal([]byte(e.EventDetail), &detail) == nil && detail.TaskToken != "" {
				return detail.TaskToken
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("execution %s never reported a TaskSubmitted event with a token", execution)
	return ""
}

// showEnded waits until an execution ended and returns `exec show` of it.
func showEnded(t *testing.T, endpoint, flow, execution string) (status int, stdout string) {
	t.Helper()
	for range 400 {
		var e struct{ Status string }
		decodeJSON(t, mustFnflow(t, "exec", "show", flow, execution, "--json", endpoint), &e)
		if e.Status != "Running" && e.Status != "Starting" {
			status, stdout, _ := fnflow(t, "exec", "show", flow, execution, endpoint)
			return status, stdout
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("execution %s did not end", execution)
	return 0, ""
}
