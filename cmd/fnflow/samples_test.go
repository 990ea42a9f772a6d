package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// These tests run samples the way samples/README.md tells a reader to: fnflow
// dev with --functions samples/functions/bindings.yaml and --flows
// samples/flows, the client commands, and the samples' own workers.

const (
	samplesDir = "../../samples"
	// The Node.js sample signs its calls; the shell and Python workers do
	// not, and run against a gateway without access keys, as in the README.
	sampleKeyID     = "sample-id"
	sampleKeySecret = "sample-secret"
)

// startSampleStack starts fnflow dev on the samples' bindings and flows,
// with the gateway's access keys if any, and returns its --endpoint flag.
func startSampleStack(t *testing.T, accessKeys map[string]string) (*localStack, string) {
	t.Helper()
	clearEnvironment(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stack, err := startLocal(ctx, devOptions{
		dataDir:     t.TempDir(),
		gatewayAddr: "127.0.0.1:0",
		accessKeys:  acs.NewKeys(accessKeys),
		functions:   filepath.Join(samplesDir, "functions", "bindings.yaml"),
		flowsDir:    filepath.Join(samplesDir, "flows"),
	}, logger)
	if err != nil {
		t.Fatalf("starting fnflow dev on the samples: %v", err)
	}
	t.Cleanup(func() {
		if err := stack.stop(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return stack, "--endpoint=" + stack.gatewayURL
}

// TestChildFlowSamples runs samples/childflows' parent-sync and
// parent-wait-for-callback as the README does, reporting the parent's token
// with samples/callback/report.sh, which finds it in the child's input.
func TestChildFlowSamples(t *testing.T) {
	stack, endpoint := startSampleStack(t, nil)

	t.Run("parent-sync", func(t *testing.T) {
		out := mustFnflow(t, "run", "parent-sync", "--name", "sync-1", "--input", `{"who":"ada"}`, "--wait", endpoint)
		want := `Output:     {"greeting":"hello","refusal":"Greeting.Refused","to":"ada","why":"this child greets nobody"}`
		if !strings.Contains(out, "Status:     Succeeded\n") || !strings.Contains(out, want) {
			t.Errorf("the parent must end with its greeter child's output and its refuser child's error caught; got\n%s", out)
		}
	})

	t.Run("parent-wait-for-callback", func(t *testing.T) {
		mustFnflow(t, "run", "parent-wait-for-callback", "--name", "approve-1", "--input", `{"request":"a day off on Friday"}`, endpoint)
		child := waitForExecution(t, endpoint, "child-approval", "approve-1")
		var input struct{ TaskToken, Request string }
		if err := json.Unmarshal([]byte(child.Input), &input); err != nil || input.TaskToken == "" || input.Request != "a day off on Friday" {
			t.Fatalf("the child's input must hold the parent's token and request: %q (%v)", child.Input, err)
		}
		reportScript(t, stack.gatewayURL, "-o", `{"approved":true,"by":"ada"}`, "child-approval", "approve-1")
		status, out := showEnded(t, endpoint, "parent-wait-for-callback", "approve-1")
		if status != 0 || !strings.Contains(out, "Status:     Succeeded\n") || !strings.Contains(out, `Output:     {"decision":{"approved":true,"by":"ada"}}`) {
			t.Errorf("the report must resume the parent with its output; got %d\n%s", status, out)
		}
		status, _, stderr := fnflow(t, "task", "succeed", input.TaskToken, "--output", `{"approved":false}`, endpoint)
		if status != 1 || !strings.Contains(stderr, "TaskAlreadyCompleted") {
			t.Errorf("a second report of the token: want exit 1 TaskAlreadyCompleted, got %d %q", status, stderr)
		}
		mustFnflow(t, "exec", "stop", "child-approval", "approve-1", endpoint)
	})
}

// waitForExecution waits until an execution exists and returns `exec show
// --json` of it.
func waitForExecution(t *testing.T, endpoint, flow, name string) (e struct{ Status, Input string }) {
	t.Helper()
	for range 400 {
		if status, stdout, _ := fnflow(t, "exec", "show", flow, name, "--json", endpoint); status == 0 {
			decodeJSON(t, stdout, &e)
			return e
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("execution %s of flow %s never started", name, flow)
	return e
}

// reportScript runs samples/callback/report.sh against gateway.
func reportScript(t *testing.T, gateway string, args ...string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is not on PATH: samples/callback/report.sh needs it, and curl")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	script := filepath.Join(samplesDir, "callback", "report.sh")
	out, err := exec.CommandContext(ctx, bash, append([]string{script, "-g", gateway}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("report.sh %v: %v\n%s", args, err, out)
	}
	t.Logf("report.sh: %s", out)
}

// TestTemporalNodeFunctionSample runs samples/temporal-node-function: its
// worker, on Temporal's TypeScript SDK, runs the activity that the sample
// flow's function is bound to and reports the task through the gateway
// with Alibaba's fnf SDK, signed; an activity that fails fails the step with
// its error type, which the flow catches.
func TestTemporalNodeFunctionSample(t *testing.T) {
	stack, endpoint := startSampleStack(t, map[string]string{sampleKeyID: sampleKeySecret})
	// The client commands sign with the keys of the environment, as the
	// worker does.
	t.Setenv("FNFLOW_ACCESS_KEY_ID", sampleKeyID)
	t.Setenv("FNFLOW_ACCESS_KEY_SECRET", sampleKeySecret)
	startNodeFunction(t, stack)

	mustFnflow(t, "run", "count-words", "--name", "words-1", "--input", `{"text":"the quick brown fox jumps"}`, endpoint)
	if status, out := showEnded(t, endpoint, "count-words", "words-1"); status != 0 || !strings.Contains(out, `Output:     {"longest":"quick","words":5}`) {
		t.Errorf("the step must end with what the function reported; got %d\n%s", status, out)
	}
	mustFnflow(t, "run", "count-words", "--name", "words-2", "--input", `{"text":" "}`, endpoint)
	if status, out := showEnded(t, endpoint, "count-words", "words-2"); status != 0 || !strings.Contains(out, `Output:     {"cause":"there are no words to count","error":"Text.Empty"}`) {
		t.Errorf("the activity's failure must be caught by its type; got %d\n%s", status, out)
	}
}

// startNodeFunction runs the sample's Node.js worker against the stack
// until the test ends, and waits until it runs. Missing Node.js or packages
// fail the test rather than skip it, so that CI cannot go green without it.
func startNodeFunction(t *testing.T, stack *localStack) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the Temporal Node.js function sample needs Node.js 20 and npm")
	}
	dir := filepath.Join(samplesDir, "temporal-node-function")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@temporalio", "worker")); err != nil {
		t.Fatal("the sample's packages are not installed: run npm ci --prefix samples/temporal-node-function")
	}
	cmd := exec.Command(node, "worker.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"FNFLOW_TEMPORAL="+stack.server.FrontendAddress(),
		"FNFLOW_NAMESPACE="+stack.server.Namespace(),
		"FNFLOW_ENDPOINT="+stack.gatewayURL,
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// SIGINT is how the worker is stopped by hand: it shuts down cleanly.
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("worker.js stopped with %v\n%s", err, logs)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("worker.js did not stop within 30s of SIGINT\n%s", logs)
		}
	})
	deadline := time.After(time.Minute)
	for !strings.Contains(logs.String(), "running activity countWords") {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("worker.js stopped before it ran: %v\n%s", err, logs)
		case <-deadline:
			t.Fatalf("worker.js did not start within a minute\n%s", logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
