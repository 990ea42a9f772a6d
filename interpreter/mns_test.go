package interpreter_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// The queue and topic stores of the package's worker and tests, on the
// shared server.
func queueStore(env *testenv.Env) *queues.Store {
	return queues.New(env.Client, queues.Config{Namespace: env.Namespace, TaskQueue: taskQueue, Handles: env.Signer, GroupSends: true})
}

func topicStore(env *testenv.Env) *topics.Store {
	return topics.New(env.Client, topics.Config{TaskQueue: taskQueue})
}

// queueFlow is a format: %[1]s is the queue its steps send to.
const queueFlow = `version: v1
type: flow
steps:
  - type: task
    name: announce
    resourceArn: acs:mns:::/queues/%[1]s/messages
    serviceParams:
      MessageBody: started
      Priority: 1
    outputMappings:
      - target: announced
        source: $local.MessageId
  - type: task
    name: work
    resourceArn: acs:mns:::/queues/%[1]s/messages
    pattern: waitForCallback
    inputMappings:
      - target: job
        source: $input.job
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: result
        source: $local.result
`

// A queue task sends its message; a waitForCallback queue task sends the
// mapped input, token included, as JSON, and the report is its result.
func TestQueueTasks(t *testing.T) {
	env := integration(t)
	ctx := t.Context()
	qs := queueStore(env)
	queue := testenv.ResourceName(t, "-jobs")
	if _, err := qs.CreateQueue(ctx, queue, queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}
	run := start(t, "queue-tasks", fmt.Sprintf(queueFlow, queue), map[string]any{"job": "shout"})

	first := receiveOne(t, qs, queue)
	if first.Body != "started" || first.Priority != 1 {
		t.Errorf("the requestResponse step sent %+v", first)
	}
	second := receiveOne(t, qs, queue)
	var job struct {
		Job       string `json:"job"`
		TaskToken string `json:"taskToken"`
	}
	if err := json.Unmarshal([]byte(second.Body), &job); err != nil || job.Job != "shout" || job.TaskToken == "" {
		t.Fatalf("the waitForCallback step sent %q (%v)", second.Body, err)
	}
	if err := complete(t, job.TaskToken, map[string]any{"result": "SHOUT"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range []queues.Message{first, second} {
		if err := qs.DeleteMessage(ctx, queue, m.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
	}
	var out map[string]any
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	if out["result"] != "SHOUT" || out["announced"] != first.MessageID {
		t.Errorf("output %v, want result SHOUT and announced %s", out, first.MessageID)
	}
	record(t, run, "queue_tasks")
}

func receiveOne(t *testing.T, qs *queues.Store, queue string) queues.Message {
	t.Helper()
	msgs, err := qs.ReceiveMessages(t.Context(), queue, 1, 20*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("receiving from %s: %v, %d messages", queue, err, len(msgs))
	}
	return msgs[0]
}

// manySendsFlow is a format: %s is the queue its steps send to.
const manySendsFlow = `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.jobs
      item: job
    steps:
      - type: task
        name: send
        resourceArn: acs:mns:::/queues/%s/messages
        inputMappings:
          - target: job
            source: $input.job
`

// The queue task steps of a foreach send at once, and the worker stores
// what comes together in groups, as the gateway does: each message arrives
// once.
func TestConcurrentQueueTasksAreGathered(t *testing.T) {
	env := integration(t)
	ctx := t.Context()
	qs := queueStore(env)
	const n = 12
	queue := testenv.ResourceName(t, "-many")
	if _, err := qs.CreateQueue(ctx, queue, queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}
	jobs := make([]any, n)
	for i := range jobs {
		jobs[i] = fmt.Sprint(i)
	}
	run := start(t, "queue-many", fmt.Sprintf(manySendsFlow, queue), map[string]any{"jobs": jobs})
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Visibility records a workflow's start a moment after it: ask until it
	// shows.
	testenv.Eventually(t, "a group was made", 20*time.Second, func() error {
		groups, err := env.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: env.Namespace,
			Query:     fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH 'mns-message:%s/G'", queues.GroupWorkflow, queue),
		})
		if err == nil && len(groups.GetExecutions()) == 0 {
			err = fmt.Errorf("%d queue task steps at once made no group", n)
		}
		return err
	})
	seen := map[string]bool{}
	for range n {
		m := receiveOne(t, qs, queue)
		var body struct{ Job string }
		if err := json.Unmarshal([]byte(m.Body), &body); err != nil || seen[body.Job] {
			t.Fatalf("received %q again or unreadable (%v)", m.Body, err)
		}
		seen[body.Job] = true
		if err := qs.DeleteMessage(ctx, queue, m.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
	}
}

const missingQueueFlow = `version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: acs:mns:::/queues/interp-nosuch/messages
    catch:
      - errors: [MNS.QueueNotExist]
        goto: noted
  - type: fail
    name: unreachable
    error: NotCaught
  - type: pass
    name: noted
    outputMappings:
      - target: caught
        source: caught
`

// A queue that does not exist fails the step with MNS.QueueNotExist, which
// catch can match.
func TestMissingQueueFailsTheStep(t *testing.T) {
	run := start(t, "queue-missing", missingQueueFlow, nil)
	var out map[string]any
	if err := run.Get(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	if out["caught"] != "caught" {
		t.Errorf("output %v", out)
	}
}

// topicFlow is a format: %s is the topic its step publishes to.
const topicFlow = `version: v1
type: flow
steps:
  - type: task
    name: publish
    resourceArn: acs:mns:::/topics/%s/messages
    serviceParams:
      MessageTag: daily
    outputMappings:
      - target: id
        source: $local.MessageId
      - target: md5
        source: $local.MessageBodyMD5
`

// A topic task publishes the mapped input, which the topic pushes on (here
// into a queue).
func TestTopicTask(t *testing.T) {
	env := integration(t)
	ctx := t.Context()
	qs, ts := queueStore(env), topicStore(env)
	topic, inbox := testenv.ResourceName(t, "-news"), testenv.ResourceName(t, "-news-inbox")
	if _, err := qs.CreateQueue(ctx, inbox, queues.AttributeChange{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Subscribe(ctx, topics.Subscription{
		TopicName: topic, Name: "inbox", Endpoint: "acs:mns:cn-local:0:queues/" + inbox, NotifyContentFormat: "SIMPLIFIED",
	}); err != nil {
		t.Fatal(err)
	}
	run := start(t, "topic-task", fmt.Sprintf(topicFlow, topic), map[string]any{"headline": "fnflow ships queues"})
	var out map[string]any
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	got := receiveOne(t, qs, inbox)
	if got.Body != `{"headline":"fnflow ships queues"}` || out["md5"] != got.BodyMD5 || out["id"] == "" {
		t.Errorf("pushed %q (MD5 %s), step output %v", got.Body, got.BodyMD5, out)
	}
	record(t, run, "topic_task")
}
