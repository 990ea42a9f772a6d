package queues

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fnflow/fnflow/internal/testenv"
)

func TestCreateQueueIdenticalOrDifferent(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	name := testenv.ResourceName(t, "")
	created, err := s.CreateQueue(ctx, name, AttributeChange{VisibilityTimeout: ptr(10), LoggingEnabled: ptr(true)})
	if err != nil || !created {
		t.Fatalf("create: %v, %v", created, err)
	}
	created, err = s.CreateQueue(ctx, name, AttributeChange{VisibilityTimeout: ptr(10), LoggingEnabled: ptr(true), DelaySeconds: ptr(0)})
	if err != nil || created {
		t.Errorf("create with identical attributes: created %v, %v; want false, nil", created, err)
	}
	for _, attrs := range []AttributeChange{{VisibilityTimeout: ptr(11), LoggingEnabled: ptr(true)}, {}} {
		if _, err := s.CreateQueue(ctx, name, attrs); !errors.Is(err, ErrQueueExists) {
			t.Errorf("create with other attributes %+v: %v, want ErrQueueExists", attrs, err)
		}
	}
	q, counters, err := s.GetQueue(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	want := Attributes{DelaySeconds: 0, MaximumMessageSize: 65536, MessageRetentionPeriod: 345600, VisibilityTimeout: 10, PollingWaitSeconds: 0, LoggingEnabled: true}
	if q.Name != name || q.Attributes != want || q.CreateTime.IsZero() || !q.LastModifyTime.Equal(q.CreateTime) || counters != (Counters{}) {
		t.Errorf("got %+v, %+v", q, counters)
	}
}

func TestSetQueueAttributes(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	name := newQueue(t, s, AttributeChange{})
	before, _, err := s.GetQueue(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	// LastModifyTime has a resolution of seconds, as MNS reports it.
	time.Sleep(time.Until(before.CreateTime.Add(time.Second)))
	q, err := s.SetQueueAttributes(ctx, name, AttributeChange{MaximumMessageSize: ptr(2048), PollingWaitSeconds: ptr(3)})
	if err != nil {
		t.Fatal(err)
	}
	if q.MaximumMessageSize != 2048 || q.PollingWaitSeconds != 3 || q.VisibilityTimeout != 30 || !q.LastModifyTime.After(q.CreateTime) {
		t.Errorf("changed to %+v", q)
	}
	if got, _, err := s.GetQueue(ctx, name); err != nil || got != q {
		t.Errorf("read back %+v, %v; want %+v", got, err, q)
	}
	if _, err := s.SetQueueAttributes(ctx, name, AttributeChange{VisibilityTimeout: ptr(0)}); !isInvalid(err, "InvalidArgument", "VisibilityTimeout") {
		t.Errorf("VisibilityTimeout 0: %v", err)
	}
	if _, err := s.SetQueueAttributes(ctx, "no-such-queue", AttributeChange{}); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("missing queue: %v, want ErrQueueNotExist", err)
	}
}

func TestInvalidNamesAndAttributes(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	names := map[string]string{
		"":                       "InvalidQueueName",
		"-leading-dash":          "InvalidQueueName",
		"under_score":            "InvalidQueueName",
		"slash/in":               "InvalidQueueName",
		strings.Repeat("a", 257): "QueueNameLengthError",
	}
	for name, code := range names {
		if _, err := s.CreateQueue(ctx, name, AttributeChange{}); !isInvalid(err, code, "") {
			t.Errorf("queue name %.20q: %v, want %s", name, err, code)
		}
	}
	if _, err := s.CreateQueue(ctx, strings.Repeat("a", 256), AttributeChange{}); err != nil {
		t.Errorf("a 256-character name: %v", err)
	}
	bad := map[string]AttributeChange{
		"DelaySeconds":           {DelaySeconds: ptr(604801)},
		"MaximumMessageSize":     {MaximumMessageSize: ptr(1023)},
		"MessageRetentionPeriod": {MessageRetentionPeriod: ptr(59)},
		"VisibilityTimeout":      {VisibilityTimeout: ptr(43201)},
		"PollingWaitSeconds":     {PollingWaitSeconds: ptr(31)},
	}
	for field, attrs := range bad {
		if _, err := s.CreateQueue(ctx, "bad-attributes", attrs); !isInvalid(err, "InvalidArgument", field) {
			t.Errorf("bad %s: %v", field, err)
		}
	}

	q := newQueue(t, s, AttributeChange{MaximumMessageSize: ptr(1024)})
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: strings.Repeat("x", 1025)}); !isInvalid(err, "InvalidArgument", "MaximumMessageSize") {
		t.Errorf("a body over MaximumMessageSize: %v", err)
	}
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: strings.Repeat("x", 1024)}); err != nil {
		t.Errorf("a body of MaximumMessageSize: %v", err)
	}
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: "x", Priority: 17}); !isInvalid(err, "InvalidArgument", "Priority") {
		t.Errorf("priority 17: %v", err)
	}
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: "x", DelaySeconds: ptr(-1)}); !isInvalid(err, "InvalidArgument", "DelaySeconds") {
		t.Errorf("delay -1: %v", err)
	}
	if _, err := s.SendMessage(ctx, "no-such-queue", Outgoing{Body: "x"}); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("send to a missing queue: %v", err)
	}
	if _, err := s.ReceiveMessages(ctx, "no-such-queue", 1, 0); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("receive from a missing queue: %v", err)
	}
	if _, err := s.ReceiveMessages(ctx, q, 17, 0); !isInvalid(err, "InvalidArgument", "") {
		t.Errorf("receive 17: %v", err)
	}
	for _, timeout := range []time.Duration{-time.Second, 43201 * time.Second} {
		if _, _, err := s.ChangeVisibility(ctx, q, "r1.whatever", timeout); !isInvalid(err, "InvalidArgument", "VisibilityTimeout") {
			t.Errorf("change visibility to %v: %v", timeout, err)
		}
	}
	if _, _, err := s.GetQueue(ctx, "no-such-queue"); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("get a missing queue: %v", err)
	}
	if err := s.DeleteQueue(ctx, "no-such-queue"); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("delete a missing queue: %v", err)
	}
}

// isInvalid tells whether err is an InvalidArgumentError of code whose
// message names field.
func isInvalid(err error, code, field string) bool {
	var invalid *InvalidArgumentError
	return errors.As(err, &invalid) && invalid.Code == code && strings.Contains(invalid.Message, field)
}

func TestDeleteQueuePurgesItsMessages(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	env := testenv.Start(t)
	name := newQueue(t, s, AttributeChange{})
	for _, delay := range []int{0, 0, 3600} {
		if _, err := s.SendMessage(ctx, name, Outgoing{Body: "doomed", DelaySeconds: ptr(delay)}); err != nil {
			t.Fatal(err)
		}
	}
	inFlight := receiveOne(t, s, name, 5*time.Second)
	if _, errs := s.SendMessages(ctx, name, []Outgoing{{Body: "doomed together"}, {Body: "doomed together"}}); errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}

	if err := s.DeleteQueue(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetQueue(ctx, name); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("get after delete: %v, want ErrQueueNotExist", err)
	}
	if _, err := s.SendMessage(ctx, name, Outgoing{Body: "late"}); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("send after delete: %v, want ErrQueueNotExist", err)
	}
	if err := s.DeleteQueue(ctx, name); !errors.Is(err, ErrQueueNotExist) {
		t.Errorf("second delete: %v, want ErrQueueNotExist", err)
	}
	// The purge lists, ends what it found, and lists again 2 s later.
	if _, err := s.CreateQueue(ctx, name, AttributeChange{}); !errors.Is(err, ErrQueueDeletedRecently) {
		t.Errorf("create during the purge: %v, want ErrQueueDeletedRecently", err)
	}
	testenv.Eventually(t, "the queue can be created again", 20*time.Second, func() error {
		_, err := s.CreateQueue(ctx, name, AttributeChange{})
		return err
	})
	testenv.Eventually(t, "no message workflow of the queue runs", 20*time.Second, func() error {
		n, err := s.count(ctx, runningMessages(name, "", MessageWorkflow, GroupWorkflow))
		if err == nil && n != 0 {
			err = fmt.Errorf("%d running", n)
		}
		return err
	})
	desc, err := env.Client.DescribeWorkflowExecution(ctx, messageWorkflowID(name, inFlight.MessageID), "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("the received message's workflow: %v, %v", desc.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	receiveNone(t, s, name, 0)
	if err := s.DeleteMessage(ctx, name, inFlight.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete a purged message: %v, want ErrMessageNotExist", err)
	}
}

func TestListQueuesPages(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	run := testenv.ResourceName(t, "-")
	for _, name := range []string{"listed-c", "listed-a", "listed-b", "listedx", "unlisted-a"} {
		if _, err := s.CreateQueue(ctx, run+name, AttributeChange{}); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	testenv.Eventually(t, "the queues are listed in name order", 20*time.Second, func() error {
		pages = nil
		marker := ""
		for {
			queues, next, err := s.ListQueues(ctx, run+"listed-", marker, 2)
			if err != nil {
				return err
			}
			var names []string
			for _, q := range queues {
				names = append(names, strings.TrimPrefix(q.Name, run))
			}
			pages = append(pages, strings.Join(names, " "))
			if next == "" {
				break
			}
			marker = next
		}
		if got := strings.Join(pages, " | "); got != "listed-a listed-b | listed-c" {
			return fmt.Errorf("pages %q", got)
		}
		return nil
	})
	if _, _, err := s.ListQueues(ctx, run+"listed-", run+"unlisted-a", 2); !isInvalid(err, "InvalidArgument", "marker") {
		t.Errorf("a marker outside the prefix: %v", err)
	}
}

// SQLite's visibility store matches workflow ID prefixes ignoring ASCII
// case; deleting a queue must not purge a queue whose name differs in case
// only.
func TestDeleteQueueSparesQueuesDifferingInCase(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	doomed := newQueue(t, s, AttributeChange{}, "-case")
	spared := newQueue(t, s, AttributeChange{}, "-CASE")
	if _, err := s.SendMessage(ctx, doomed, Outgoing{Body: "doomed"}); err != nil {
		t.Fatal(err)
	}
	kept, err := s.SendMessage(ctx, spared, Outgoing{Body: "spared"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteQueue(ctx, doomed); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the deleted queue's purge ends", 20*time.Second, func() error {
		_, err := s.CreateQueue(ctx, doomed, AttributeChange{})
		return err
	})
	if m := receiveOne(t, s, spared, 5*time.Second); m.MessageID != kept.MessageID {
		t.Errorf("received %s from %s, want %s", m.MessageID, spared, kept.MessageID)
	}
	testenv.Eventually(t, "listing by prefix respects case", 20*time.Second, func() error {
		queues, _, err := s.ListQueues(ctx, doomed, "", 10)
		if err == nil && (len(queues) != 1 || queues[0].Name != doomed) {
			err = fmt.Errorf("listed %+v", queues)
		}
		return err
	})
}
