package queues

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/testenv"
)

// waitForCounters waits until the queue's counters are want.
func waitForCounters(t *testing.T, s *Store, queue string, want Counters) {
	t.Helper()
	testenv.Eventually(t, "counters", 20*time.Second, func() error {
		_, got, err := s.GetQueue(testContext(t), queue)
		if err == nil && got != want {
			err = fmt.Errorf("counters %+v, want %+v", got, want)
		}
		return err
	})
}

func TestPriorityOrder(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	for _, p := range []int{8, 1, 16} {
		if _, err := s.SendMessage(ctx, q, Outgoing{Body: fmt.Sprint(p), Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	// No one polls while they are sent: all three wait in the backlog,
	// where the highest priority is served first.
	waitForCounters(t, s, q, Counters{ActiveMessages: 3})
	var got []int
	for range 3 {
		m := receiveOne(t, s, q, 5*time.Second)
		got = append(got, m.Priority)
		if m.Body != fmt.Sprint(m.Priority) {
			t.Errorf("message of priority %d has body %q", m.Priority, m.Body)
		}
	}
	if fmt.Sprint(got) != "[1 8 16]" {
		t.Errorf("received priorities %v, want [1 8 16]", got)
	}
}

func TestDelaySeconds(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{DelaySeconds: ptr(3600)})
	sentAt := time.Now()
	delayed, err := s.SendMessage(ctx, q, Outgoing{Body: "later", DelaySeconds: ptr(3)})
	if err != nil {
		t.Fatal(err)
	}
	// The queue's DelaySeconds applies when the message names none.
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: "in an hour"}); err != nil {
		t.Fatal(err)
	}
	receiveNone(t, s, q, 0)
	m := receiveOne(t, s, q, 10*time.Second)
	if m.MessageID != delayed.MessageID {
		t.Fatalf("received %+v", m)
	}
	if d := time.Since(sentAt); d < 3*time.Second {
		t.Errorf("a message delayed 3 s was received after %v", d)
	}
	waitForCounters(t, s, q, Counters{DelayMessages: 1, InactiveMessages: 1})
}

func TestRetentionEndsAMessage(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	env := testenv.Start(t)
	q := newQueue(t, s, AttributeChange{})
	// MNS's shortest retention is 60 s; the message workflow's execution
	// timeout is what ends a message, whatever its length.
	s.retention = func(Queue) time.Duration { return 4 * time.Second }
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "short-lived"})
	if err != nil {
		t.Fatal(err)
	}
	m := receiveOne(t, s, q, 5*time.Second)
	testenv.Eventually(t, "the message times out", 20*time.Second, func() error {
		desc, err := env.Client.DescribeWorkflowExecution(ctx, messageWorkflowID(q, sent.MessageID), "")
		if status := desc.GetWorkflowExecutionInfo().GetStatus(); err == nil && status != enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT {
			err = fmt.Errorf("status %v", status)
		}
		return err
	})
	if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete an expired message: %v, want ErrMessageNotExist", err)
	}
	receiveNone(t, s, q, 0)
}

func TestPeekAndCounters(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	send := func(body string, priority, delay int) Sent {
		t.Helper()
		sent, err := s.SendMessage(ctx, q, Outgoing{Body: body, Priority: priority, DelaySeconds: ptr(delay)})
		if err != nil {
			t.Fatal(err)
		}
		return sent
	}
	send("delayed", 1, 3600)
	send("received", 1, 0)
	waitForCounters(t, s, q, Counters{ActiveMessages: 1, DelayMessages: 1})
	received := receiveOne(t, s, q, 5*time.Second)
	send("held", 1, 0)
	waitForCounters(t, s, q, Counters{ActiveMessages: 1, InactiveMessages: 1, DelayMessages: 1})
	held := receiveOne(t, s, q, 5*time.Second)
	if _, _, err := s.ChangeVisibility(ctx, q, held.ReceiptHandle, time.Hour); err != nil {
		t.Fatal(err)
	}
	low := send("low", 9, 0)
	high := send("high", 2, 0)
	waitForCounters(t, s, q, Counters{ActiveMessages: 2, InactiveMessages: 2, DelayMessages: 1})

	testenv.Eventually(t, "peek shows the two visible messages, high first", 20*time.Second, func() error {
		msgs, err := s.PeekMessages(ctx, q, 16)
		if err != nil {
			return err
		}
		if len(msgs) != 2 || msgs[0].MessageID != high.MessageID || msgs[1].MessageID != low.MessageID {
			return fmt.Errorf("peeked %+v", msgs)
		}
		for _, m := range msgs {
			if m.ReceiptHandle != "" || !m.NextVisibleTime.IsZero() || m.DequeueCount != 0 || m.BodyMD5 == "" || m.EnqueueTime.IsZero() {
				return fmt.Errorf("peeked %+v", m)
			}
		}
		return nil
	})
	// Peeking receives nothing: both are still there, in priority order.
	for _, want := range []Sent{high, low} {
		if m := receiveOne(t, s, q, 5*time.Second); m.MessageID != want.MessageID {
			t.Errorf("received %s, want %s", m.MessageID, want.MessageID)
		}
	}
	if err := s.DeleteMessage(ctx, q, received.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
}

// A peek right after a send, through the Store that sent it, sees what it
// sent, as on MNS, before visibility lists the message's workflow and before
// that workflow has offered it: a message alone, a group, and not a delayed
// message. Without the Store's memory of its sends most of these peeks found
// nothing.
func TestPeekRightAfterASend(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	for round := range 20 {
		q := newQueue(t, s, AttributeChange{}, fmt.Sprint(round))
		batch := []Outgoing{{Body: "only", Priority: 3}}
		want := []string{"only"}
		if round%2 == 1 {
			batch = []Outgoing{{Body: "low", Priority: 9}, {Body: "high", Priority: 2}, {Body: "later", DelaySeconds: ptr(3600)}}
			want = []string{"high", "low"}
		}
		if _, errs := s.SendMessages(ctx, q, batch); errors.Join(errs...) != nil {
			t.Fatal(errors.Join(errs...))
		}
		msgs, err := s.PeekMessages(ctx, q, 16)
		if err != nil {
			t.Fatal(err)
		}
		if got := bodies(msgs); !slices.Equal(got, want) {
			t.Errorf("round %d: peeked %v right after the send, want %v", round, got, want)
		}
		for _, m := range msgs {
			if m.DequeueCount != 0 || m.BodyMD5 == "" || m.EnqueueTime.IsZero() || m.ReceiptHandle != "" {
				t.Errorf("round %d: peeked %+v", round, m)
			}
		}
		// What was received is not visible, and the peek sees that at once too.
		receiveOne(t, s, q, 5*time.Second)
		msgs, err = s.PeekMessages(ctx, q, 16)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != len(want)-1 {
			t.Errorf("round %d: peeked %v after one receive, want %d messages", round, bodies(msgs), len(want)-1)
		}
	}
}

// TestConcurrentReceivers sends 200 messages from 10 senders to 10
// receivers that receive one message at a time and delete it: every message
// is received, none is lost, and the figures are logged.
func TestConcurrentReceivers(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	const messages, senders, receivers = 200, 10, 10

	sent := make(chan string, messages)
	received := make(chan receivedMessage, 2*messages)
	recvCtx, stopReceivers := context.WithCancel(ctx)
	defer stopReceivers()
	errs := make(chan error, senders+receivers)
	for range receivers {
		go func() { errs <- receiveAndDelete(recvCtx, s, q, received) }()
	}
	start := time.Now()
	for i := range senders {
		go func() { errs <- sendSome(ctx, s, q, i, messages/senders, sent) }()
	}

	sentIDs := map[string]bool{}
	receivedIDs := map[string]bool{}
	var latencies []time.Duration
	for len(receivedIDs) < messages {
		select {
		case id := <-sent:
			sentIDs[id] = true
		case m := <-received:
			if receivedIDs[m.MessageID] || m.DequeueCount != 1 {
				t.Errorf("message %s received again (DequeueCount %d)", m.MessageID, m.DequeueCount)
			}
			receivedIDs[m.MessageID] = true
			latencies = append(latencies, m.at.Sub(m.EnqueueTime))
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatalf("received %d of %d messages", len(receivedIDs), messages)
		}
	}
	elapsed := time.Since(start)
	stopReceivers()
	for len(sent) > 0 {
		sentIDs[<-sent] = true
	}
	if len(sentIDs) != messages {
		t.Errorf("sent %d distinct messages, want %d", len(sentIDs), messages)
	}
	for id := range receivedIDs {
		if !sentIDs[id] {
			t.Errorf("received %s, which was never sent", id)
		}
	}
	t.Logf("%d messages, %d senders, %d receivers: %v, %.0f messages/s send→receive→delete; send→receive p50 %v, p90 %v, max %v",
		messages, senders, receivers, elapsed.Round(time.Millisecond), messages/elapsed.Seconds(),
		percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 100))
}

type receivedMessage struct {
	Message
	at time.Time
}

func sendSome(ctx context.Context, s *Store, queue string, sender, n int, sent chan<- string) error {
	for i := range n {
		m, err := s.SendMessage(ctx, queue, Outgoing{Body: fmt.Sprintf("message %d of sender %d", i, sender)})
		if err != nil {
			return err
		}
		sent <- m.MessageID
	}
	return nil
}

// receiveAndDelete receives and deletes messages one at a time until ctx is
// done.
func receiveAndDelete(ctx context.Context, s *Store, queue string, received chan<- receivedMessage) error {
	for ctx.Err() == nil {
		msgs, err := s.ReceiveMessages(ctx, queue, 1, 5*time.Second)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			at := time.Now()
			if err := s.DeleteMessage(ctx, queue, m.ReceiptHandle); err != nil && ctx.Err() == nil {
				return err
			}
			received <- receivedMessage{m, at}
		}
	}
	return nil
}

func percentile(ds []time.Duration, p int) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)*p/100].Round(100 * time.Microsecond)
}

// A Temporal worker of any SDK consumes a queue natively: it polls
// TaskQueue(queue) for DeliveryActivity and gets a Delivery; completing the
// activity deletes the message, failing it offers the message again.
func TestNativeConsumer(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	env := testenv.Start(t)
	q := newQueue(t, s, AttributeChange{})
	deliveries := make(chan Delivery, 2)
	w := sdkworker.New(env.Client, TaskQueue(q), sdkworker.Options{})
	w.RegisterActivityWithOptions(func(ctx context.Context, d Delivery) error {
		deliveries <- d
		if d.MessageBody == "refused" && d.PreviousDequeueCount == 0 {
			return temporal.NewNonRetryableApplicationError("not for me", "Refused", nil)
		}
		return nil
	}, activity.RegisterOptions{Name: DeliveryActivity})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "natively", Priority: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := <-deliveries
	want := Delivery{MessageId: sent.MessageID, MessageBody: "natively", MessageBodyMD5: sent.BodyMD5, EnqueueTime: d.EnqueueTime, Priority: 4}
	if d != want || d.EnqueueTime == 0 {
		t.Errorf("delivered %+v, want %+v", d, want)
	}
	if err := env.Client.GetWorkflow(ctx, messageWorkflowID(q, sent.MessageID), "").Get(ctx, nil); err != nil {
		t.Errorf("the completed delivery must end the message: %v", err)
	}

	refused, err := s.SendMessage(ctx, q, Outgoing{Body: "refused"})
	if err != nil {
		t.Fatal(err)
	}
	first, again := <-deliveries, <-deliveries
	if first.MessageId != refused.MessageID || again.MessageId != refused.MessageID || again.PreviousDequeueCount != 1 {
		t.Errorf("delivered %+v, then %+v", first, again)
	}
}

// A message sent just as a consumer's long receive of an idle queue ends is
// received, by that receive or the next one: it is never left held by a
// poll nobody answers. Before Temporal ended such waits itself, the receive
// canceled its poll, and a message matched to it at that moment came back
// only after its visibility timeout: in 3 of 96 sends spread around the
// end of a 10 s wait on a quiet machine, 11 of 96 under load. Twelve queues
// at once, two rounds each, sends from 30 ms before the end to 25 ms after.
func TestMessageSentAsALongReceiveEndsIsNotLost(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	const queues, rounds = 12, 2
	wait := endedByServer + time.Second
	errs := make(chan error, queues*rounds)
	var consumers sync.WaitGroup
	for k := range queues {
		// A lost message would come back after its visibility timeout,
		// long after the test looked for it.
		q := newQueue(t, s, AttributeChange{VisibilityTimeout: ptr(600)}, fmt.Sprint("-", k))
		consumers.Go(func() {
			for round := range rounds {
				ended := make(chan []Message, 1)
				go func() {
					msgs, err := s.ReceiveMessages(ctx, q, 1, wait)
					if err != nil {
						errs <- err
					}
					ended <- msgs
				}()
				time.Sleep(wait - 30*time.Millisecond + time.Duration((k*rounds+round)%12)*5*time.Millisecond)
				sent, err := s.SendMessage(ctx, q, Outgoing{Body: fmt.Sprint(round)})
				if err != nil {
					errs <- err
					return
				}
				msgs := <-ended
				if len(msgs) == 0 {
					if msgs, err = s.ReceiveMessages(ctx, q, 1, 5*time.Second); err != nil {
						errs <- err
						return
					}
				}
				if len(msgs) != 1 || msgs[0].MessageID != sent.MessageID {
					errs <- fmt.Errorf("queue %s, round %d: message %s sent as the receive ended was received by neither it nor the next (got %d)", q, round, sent.MessageID, len(msgs))
					continue
				}
				if err := s.DeleteMessage(ctx, q, msgs[0].ReceiptHandle); err != nil {
					errs <- err
				}
			}
		})
	}
	consumers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
