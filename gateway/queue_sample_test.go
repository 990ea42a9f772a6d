package gateway_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/devserver/freeport"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// TestQueueSample runs the seed's story end to end: samples/queue's flow
// sends a job with its token to the queue "jobs"; the sample's Node.js worker
// (Alibaba's MNS and fnf SDKs) receives it, reports ReportTaskSucceeded and
// deletes the message; then the Python worker (standard library) does the
// same for a second execution.
func TestQueueSample(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	ctx := t.Context()
	definition, err := os.ReadFile(filepath.Join("..", "samples", "queue", "flow.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.createFlow(t, flow, string(definition))
	if _, err := e.cfg.Queues.CreateQueue(ctx, "jobs", queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}

	start := func(execution, job string) {
		input, _ := json.Marshal(map[string]string{"job": job})
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", execution, "Input", string(input)))
	}
	finished := func(execution, want string) {
		t.Helper()
		done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", execution, "WaitTimeSeconds", "30"))
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

// TestTopicSample runs the topic example: samples/queue/topic-flow.yaml
// publishes a job with its token to the topic job-events (here a topic of
// the test's own), which pushes it to the sample's Python subscriber (JSON
// notifications); the subscriber does the job and reports the task.
func TestTopicSample(t *testing.T) {
	e := integration(t)
	flow, topic := testenv.ResourceName(t, ""), testenv.ResourceName(t, "-events")
	ctx := t.Context()
	definition, err := os.ReadFile(filepath.Join("..", "samples", "queue", "topic-flow.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A topic of the test's own: a topic of an earlier run (-count) keeps
	// its subscription to that run's subscriber, gone.
	const sampleTopic = "/topics/job-events/"
	if !strings.Contains(string(definition), sampleTopic) {
		t.Fatalf("the sample publishes to no topic job-events:\n%s", definition)
	}
	e.createFlow(t, flow, strings.Replace(string(definition), sampleTopic, "/topics/"+topic+"/", 1))
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not on PATH: the topic sample's subscriber needs it")
	}
	port := freeLocalPort(t)
	subscriber := exec.CommandContext(ctx, python, "../samples/queue/subscriber.py", "--gateway", e.url, "--port", port)
	output := &strings.Builder{}
	subscriber.Stdout, subscriber.Stderr = output, output
	if err := subscriber.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = subscriber.Process.Kill()
		_ = subscriber.Wait()
		t.Logf("subscriber.py:\n%s", output)
	}()
	if _, err := e.cfg.Topics.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cfg.Topics.Subscribe(ctx, topics.Subscription{
		TopicName: topic, Name: "reporter", Endpoint: "http://127.0.0.1:" + port + "/notifications", NotifyContentFormat: "JSON",
	}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "subscriber.py listens", 10*time.Second, func() error {
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			conn.Close()
		}
		return err
	})
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "news-1", "Input", `{"job":"hello subscribers"}`))
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "news-1", "WaitTimeSeconds", "40"))
	if done["Status"] != "Succeeded" || done["Output"] != `{"result":"HELLO SUBSCRIBERS"}` {
		t.Errorf("execution news-1: %v", done)
	}
}

// freeLocalPort returns a port on 127.0.0.1 for a child process to bind
// (freeport.Reserve).
func freeLocalPort(t *testing.T) string {
	t.Helper()
	port, err := freeport.Reserve("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(port)
}
