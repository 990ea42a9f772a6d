package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

func TestTaskCommands(t *testing.T) {
	_, endpoint := startClientStack(t)
	mustFnflow(t, "flow", "deploy", "--name", "fnf-demo-callback", callbackFlowFile, endpoint)

	t.Run("succeed", func(t *testing.T) {
		mustFnflow(t, "run", "fnf-demo-callback", "--name", "ok1", endpoint)
		token := taskToken(t, endpoint, "fnf-demo-callback", "ok1")
		if out := mustFnflow(t, "task", "succeed", token, "--output", `{"status":"approved"}`, endpoint); out != "reported the task succeeded\n" {
			t.Errorf("got %q", out)
		}
		if _, out := showEnded(t, endpoint, "fnf-demo-callback", "ok1"); !strings.Contains(out, `Output:     {"s":"approved"}`) {
			t.Errorf("got\n%s", out)
		}
		status, _, stderr := fnflow(t, "task", "succeed", token, "--output", "{}", endpoint)
		if status != 1 || !strings.Contains(stderr, "TaskAlreadyCompleted") {
			t.Errorf("a second report: want exit 1 TaskAlreadyCompleted, got %d %q", status, stderr)
		}
	})

	t.Run("fail", func(t *testing.T) {
		mustFnflow(t, "run", "fnf-demo-callback", "--name", "no1", endpoint)
		token := taskToken(t, endpoint, "fnf-demo-callback", "no1")
		out := mustFnflow(t, "task", "fail", token, "--error", "Approval.Rejected", "--cause", "not today", "--json", endpoint)
		var reply map[string]any
		decodeJSON(t, out, &reply)
		if reply["RequestId"] == nil {
			t.Errorf("--json: want the reply, got %s", out)
		}
		status, out := showEnded(t, endpoint, "fnf-demo-callback", "no1")
		if status != 0 || !strings.Contains(out, "Error:      Approval.Rejected\nCause:      not today\n") {
			t.Errorf("want the reported error, got %d\n%s", status, out)
		}
	})

	t.Run("list, and report by step", func(t *testing.T) {
		mustFnflow(t, "run", "fnf-demo-callback", "--name", "inbox1", endpoint)
		taskToken(t, endpoint, "fnf-demo-callback", "inbox1")
		// Listing reads visibility, which may lag the start a little.
		var out string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if out = mustFnflow(t, "task", "list", endpoint); strings.Contains(out, "inbox1") {
				break
			}
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "STEP") || !strings.HasPrefix(lines[1], "fnf-demo-callback/inbox1/mytask  ") {
			t.Errorf("task list:\n%s", out)
		}
		var page struct {
			Tasks []struct{ StepPath, TaskToken string }
		}
		decodeJSON(t, mustFnflow(t, "task", "list", "fnf-demo-callback", "inbox1", "--json", endpoint), &page)
		if len(page.Tasks) != 1 || page.Tasks[0].StepPath != "mytask" || page.Tasks[0].TaskToken == "" {
			t.Errorf("task list --json: %+v", page.Tasks)
		}
		mustFnflow(t, "task", "succeed", "--step", "fnf-demo-callback/inbox1/mytask", "--output", `{"status":"by step"}`, endpoint)
		if _, out := showEnded(t, endpoint, "fnf-demo-callback", "inbox1"); !strings.Contains(out, `Output:     {"s":"by step"}`) {
			t.Errorf("got\n%s", out)
		}
		if out := mustFnflow(t, "task", "list", "fnf-demo-callback", endpoint); strings.Contains(out, "inbox1") {
			t.Errorf("a reported step is still listed:\n%s", out)
		}
		mustFnflow(t, "run", "fnf-demo-callback", "--name", "inbox2", endpoint)
		taskToken(t, endpoint, "fnf-demo-callback", "inbox2")
		mustFnflow(t, "task", "fail", "--step", "fnf-demo-callback/inbox2/mytask", "--error", "Approval.Rejected", endpoint)
		if _, out := showEnded(t, endpoint, "fnf-demo-callback", "inbox2"); !strings.Contains(out, "Error:      Approval.Rejected\n") {
			t.Errorf("got\n%s", out)
		}
	})

	t.Run("exec stop", func(t *testing.T) {
		mustFnflow(t, "run", "fnf-demo-callback", "--name", "stop1", endpoint)
		if out := mustFnflow(t, "exec", "stop", "fnf-demo-callback", "stop1", "--error", "Ops.Cancelled", "--cause", "wrong order", endpoint); out != "stopped execution stop1 of flow fnf-demo-callback\n" {
			t.Errorf("got %q", out)
		}
		out := mustFnflow(t, "exec", "show", "fnf-demo-callback", "stop1", endpoint)
		if !strings.Contains(out, "Status:     Stopped\n") || !strings.Contains(out, "Error:      Ops.Cancelled\nCause:      wrong order\n") {
			t.Errorf("got\n%s", out)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"task", "succeed", "tok"},
			{"task", "succeed", "tok", "--output", "nope"},
			{"task", "fail", "tok"},
			{"task", "list", "f", "e", "extra"},
			{"task", "succeed", "tok", "--step", "f/e/p", "--output", "{}"},
			{"task", "succeed", "--step", "f/e", "--output", "{}"},
		} {
			if status, _, _ := fnflow(t, append(args, endpoint)...); status != 2 {
				t.Errorf("fnflow %s: want exit 2, got %d", strings.Join(args, " "), status)
			}
		}
	})
}

// The client signs as the SDKs sign: a gateway with access keys accepts its
// calls with the right key, from flags or from a secret file in the
// environment, and refuses them without.
func TestTaskCommandsSigned(t *testing.T) {
	clearEnvironment(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stack, err := startLocal(context.Background(), devOptions{
		dataDir: t.TempDir(), gatewayAddr: "127.0.0.1:0", accessKeys: acs.NewKeys(map[string]string{"cli-id": "cli-secret"}),
	}, logger)
	if err != nil {
		t.Fatalf("starting the local stack: %v", err)
	}
	defer stack.stop()
	endpoint := "--endpoint=" + stack.gatewayURL

	status, _, stderr := fnflow(t, "flow", "list", endpoint)
	if status != 1 || !strings.Contains(stderr, "AccessDenied") {
		t.Errorf("unsigned: want exit 1 AccessDenied, got %d %q", status, stderr)
	}
	status, _, stderr = fnflow(t, "flow", "list", endpoint, "--access-key-id", "cli-id", "--access-key-secret", "wrong")
	if status != 1 || !strings.Contains(stderr, "SignatureNotMatch") {
		t.Errorf("wrong secret: want exit 1 SignatureNotMatch, got %d %q", status, stderr)
	}

	t.Setenv("FNFLOW_ACCESS_KEY_ID", "cli-id")
	t.Setenv("FNFLOW_ACCESS_KEY_SECRET_FILE", writeSecret(t, "cli-secret\n"))
	mustFnflow(t, "flow", "deploy", "testdata/client/hello.yaml", endpoint)
	out := mustFnflow(t, "run", "hello", "--input", `{"who":"signed, with spaces & *~+"}`, "--wait", endpoint)
	if !strings.Contains(out, `Output:     {"greeting":"signed, with spaces & *~+"}`) {
		t.Errorf("got\n%s", out)
	}
	status, _, stderr = fnflow(t, "task", "succeed", "t1.forged", "--output", "{}", endpoint)
	if status != 1 || !strings.Contains(stderr, "InvalidArgument") {
		t.Errorf("a signed report of a forged token: want exit 1 InvalidArgument, got %d %q", status, stderr)
	}

	// A profile holds the endpoint and the key; flags and the environment
	// still win over it.
	os.Unsetenv("FNFLOW_ACCESS_KEY_ID")
	os.Unsetenv("FNFLOW_ACCESS_KEY_SECRET_FILE")
	home := os.Getenv("HOME")
	if err := os.MkdirAll(filepath.Join(home, ".fnflow"), 0o700); err != nil {
		t.Fatal(err)
	}
	profile := "# the local gateway\nendpoint = " + stack.gatewayURL + "\naccess-key-id = cli-id\naccess-key-secret = cli-secret\n"
	if err := os.WriteFile(filepath.Join(home, ".fnflow", "profile"), []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustFnflow(t, "flow", "list"); !strings.Contains(out, "hello") {
		t.Errorf("flow list with the default profile: %s", out)
	}
	if status, _, stderr := fnflow(t, "flow", "list", "--access-key-secret", "wrong"); status != 1 || !strings.Contains(stderr, "SignatureNotMatch") {
		t.Errorf("a flag over the profile: want exit 1 SignatureNotMatch, got %d %q", status, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad-profile")
	if err := os.WriteFile(bad, []byte("region = cn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, _, stderr := fnflow(t, "flow", "list", "--profile", bad); status != 2 || !strings.Contains(stderr, "bad-profile:1: want key = value") {
		t.Errorf("a bad profile: want exit 2 naming the line, got %d %q", status, stderr)
	}
}
