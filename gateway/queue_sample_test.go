package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnflow/fnflow/queues"
)

// TestQueueSample runs the seed's story end to end: samples/queue's flow
// sends a job with its token to the queue "jobs"; the sample's Node.js worker
// (Alibaba's MNS and fnf SDKs) receives it, reports ReportTaskSucceeded and
// deletes the message; then the Python worker (standard library) does the
// same for a second execution.
func TestQueueSample(t *testing.T) {
	e := integration(t)
	ctx := t.Context()
	definition, err := os.ReadFile(filepath.Join("..", "samples", "queue", "flow.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.createFlow(t, "queue-job", string(definition))
	if _, err := e.cfg.Queues.CreateQueue(ctx, "jobs", queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}

	start := func(execution, job string) {
		input, _ := json.Marshal(map[string]string{"job": job})
		ok(t, e.call(t, "StartExecution", "FlowName", "queue-job", "ExecutionName", execution, "Input", string(input)))
	}
	finished := func(execution, want string) {
		t.Helper()
		done := ok(t, e.get(t, "DescribeExecution", "FlowName", "queue-job", "ExecutionName", execution, "WaitTimeSeconds", "30"))
		if done["Status"] != "Succeeded" || done["Output"] != `{"result":"`+want+`"}` {
			t.Errorf("execution %s: %v", execution, done)
		}
	}

	start("node-1", "hello from node")
	runNode(t, time.Minute, []string{
		"FNFLOW_ENDPOINT=" + e.signedURL,
		"FNFLOW_ACCESS_KEY_ID=" + accessKeyID,
		"FNFLOW_ACCESS_KEY_SECRET=" + accessKeySecret,
	}, "samples/queue/node-worker/worker.js", "--once")
	finished("node-1", "HELLO FROM NODE")

	start("python-1", "hello from python")
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not on PATH: the queue sample's Python worker needs it")
	}
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// The Python worker signs its MNS requests but not its fnf report, as
	// a worker of fnflow dev without access keys: the open gateway.
	out, err := exec.CommandContext(pctx, python, "../samples/queue/worker.py", "--gateway", e.url, "--once").CombinedOutput()
	if err != nil {
		t.Fatalf("worker.py: %v\n%s", err, out)
	}
	finished("python-1", "HELLO FROM PYTHON")
	if msgs, err := e.cfg.Queues.PeekMessages(ctx, "jobs", 16); err != nil || len(msgs) != 0 {
		t.Errorf("the workers deleted their messages; the queue still holds %d (%v)", len(msgs), err)
	}
}
