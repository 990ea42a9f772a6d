package queues

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/testenv"
)

// -update records the history of TestRecordMessageHistory's message into
// testdata/histories for TestReplayRecordedHistories.
var update = flag.Bool("update", false, "record a message workflow's history into testdata/histories")

// TestRecordMessageHistory takes a message through a receive, a visibility
// change, a move of its hold that ends it a second later, a second receive,
// a second change and a delete of the held message, and with -update keeps
// its history.
func TestRecordMessageHistory(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: `{"recorded":true}`, Priority: 3})
	if err != nil {
		t.Fatal(err)
	}
	first := receiveOne(t, s, q, 5*time.Second)
	held, _, err := s.ChangeVisibility(ctx, q, first.ReceiptHandle, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ChangeVisibility(ctx, q, held, time.Second); err != nil {
		t.Fatal(err)
	}
	second := receiveOne(t, s, q, 5*time.Second)
	held, _, err = s.ChangeVisibility(ctx, q, second.ReceiptHandle, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, q, held); err != nil {
		t.Fatal(err)
	}
	recordHistory(t, messageWorkflowID(q, sent.MessageID), "message_hold.json")
}

// TestRecordChangeSeenWithItsUpdate stops the worker while a message's
// visibility is changed and the new handle is used at once, so that the
// workflow sees the change and the update of its hold in one workflow task:
// the update must wait for the hold it names, not be refused as stale.
func TestRecordChangeSeenWithItsUpdate(t *testing.T) {
	env := testenv.Start(t)
	ctx := testContext(t)
	updates := &updateIDs{ids: make(chan string, 1)}
	c, err := client.NewClientFromExisting(env.Client, client.Options{
		Namespace:     env.Namespace,
		DataConverter: payload.Converter,
		Logger:        temporallog.NewStructuredLogger(env.Logger),
		Interceptors:  []interceptor.ClientInterceptor{updates},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const paused = "queues-test-paused"
	startWorker := func() sdkworker.Worker {
		w := sdkworker.New(c, paused, sdkworker.Options{})
		Register(w, c)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := startWorker()
	s := New(c, Config{Namespace: env.Namespace, TaskQueue: paused, Handles: env.Signer})
	q := newQueue(t, s, AttributeChange{})
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "changed while no worker runs"})
	if err != nil {
		t.Fatal(err)
	}
	id := messageWorkflowID(q, sent.MessageID)
	m := receiveOne(t, s, q, 5*time.Second)
	w.Stop()
	held, _, err := s.ChangeVisibility(ctx, q, m.ReceiptHandle, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error)
	go func() { deleted <- s.DeleteMessage(ctx, q, held) }()
	updateID := <-updates.ids
	testenv.Eventually(t, "the server admits the delete", 20*time.Second, func() error {
		pollCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := c.WorkflowService().PollWorkflowExecutionUpdate(pollCtx, &workflowservice.PollWorkflowExecutionUpdateRequest{
			Namespace:  env.Namespace,
			UpdateRef:  &updatepb.UpdateRef{WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id}, UpdateId: updateID},
			WaitPolicy: &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED},
		})
		return err
	})
	w = startWorker()
	defer w.Stop()
	if err := <-deleted; err != nil {
		t.Fatalf("delete with the new handle: %v", err)
	}
	recordHistory(t, id, "message_change_with_update.json")
	// The update was accepted by the workflow task that saw the failure.
	var tasksBetween, failedAt int
	iter := c.GetWorkflowHistory(ctx, id, "", false, 0)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch event.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			failedAt = int(event.GetEventId())
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if failedAt > 0 {
				tasksBetween++
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			if tasksBetween != 1 {
				t.Errorf("the update was accepted %d workflow tasks after the failure, want 1", tasksBetween)
			}
		}
	}
}

// updateIDs tells the IDs of the updates a client sends.
type updateIDs struct {
	interceptor.ClientInterceptorBase
	ids chan string
}

func (u *updateIDs) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &updateIDsOutbound{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, ids: u.ids}
}

type updateIDsOutbound struct {
	interceptor.ClientOutboundInterceptorBase
	ids chan string
}

func (o *updateIDsOutbound) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	o.ids <- in.UpdateID
	return o.Next.UpdateWorkflow(ctx, in)
}

// recordHistory checks that a message workflow completed and, with -update,
// keeps its history in testdata/histories/file.
func recordHistory(t *testing.T, workflowID, file string) {
	t.Helper()
	ctx := testContext(t)
	c := testenv.Start(t).Client
	if err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("the message workflow: %v", err)
	}
	if !*update {
		return
	}
	testenv.RecordHistory(t, c, workflowID, "", filepath.Join("testdata", "histories", file))
}

// TestReplayRecordedHistories replays the recorded message histories. A
// change to the message workflow that would break messages in flight fails
// here; guard such a change with workflow.GetVersion and record a new
// history beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories", "*.json"), "go test ./queues -run 'RecordMessageHistory|GroupedMessagesAreMessagesOfTheirOwn' -update", registerWorkflows)
}
