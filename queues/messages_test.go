package queues

import (
	"errors"
	"testing"
	"time"
)

func TestSendReceiveDelete(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	before := time.Now().Truncate(time.Millisecond)
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "I am 测试字符串."})
	if err != nil {
		t.Fatal(err)
	}
	if sent.BodyMD5 != "9D75198CAA17528AB23790C1861987AF" || len(sent.MessageID) != 32 {
		t.Errorf("sent %+v", sent)
	}
	m := receiveOne(t, s, q, 5*time.Second)
	if m.MessageID != sent.MessageID || m.Body != "I am 测试字符串." || m.BodyMD5 != sent.BodyMD5 ||
		m.Priority != 8 || m.DequeueCount != 1 || m.ReceiptHandle == "" {
		t.Errorf("received %+v", m)
	}
	if m.EnqueueTime.Before(before) || m.FirstDequeueTime.Before(m.EnqueueTime) {
		t.Errorf("enqueued %v, first dequeued %v, sent after %v", m.EnqueueTime, m.FirstDequeueTime, before)
	}
	if d := m.NextVisibleTime.Sub(m.FirstDequeueTime); d != 30*time.Second {
		t.Errorf("next visible %v after the receive, want the queue's 30 s", d)
	}
	if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("second delete: %v, want ErrMessageNotExist", err)
	}
	receiveNone(t, s, q, 0)
}

func TestLongPollReturnsWhenAMessageArrives(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	type result struct {
		msgs []Message
		at   time.Time
		err  error
	}
	done := make(chan result)
	go func() {
		msgs, err := s.ReceiveMessages(ctx, q, 16, 20*time.Second)
		done <- result{msgs, time.Now(), err}
	}()
	// The receive waits: nothing comes back before a message is sent.
	select {
	case r := <-done:
		t.Fatalf("the receive returned before anything was sent: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "wake up"})
	if err != nil {
		t.Fatal(err)
	}
	sentAt := time.Now()
	r := <-done
	if r.err != nil || len(r.msgs) != 1 || r.msgs[0].MessageID != sent.MessageID {
		t.Fatalf("received %+v, %v", r.msgs, r.err)
	}
	if d := r.at.Sub(sentAt); d > 5*time.Second {
		t.Errorf("the long poll returned %v after the send", d)
	}
}

func TestEmptyReceiveWithoutWaitIsQuick(t *testing.T) {
	s := newStore(t)
	q := newQueue(t, s, AttributeChange{PollingWaitSeconds: ptr(3)})
	start := time.Now()
	receiveNone(t, s, q, 0)
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("an empty receive with wait 0 took %v", d)
	}
	// A negative wait is the queue's PollingWaitSeconds.
	start = time.Now()
	msgs, err := s.ReceiveMessages(testContext(t), q, 1, -1)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("%+v, %v", msgs, err)
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("a receive with the queue's 3 s wait returned after %v", d)
	}
}

func TestVisibilityTimeoutRedelivers(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{VisibilityTimeout: ptr(2)})
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "again"})
	if err != nil {
		t.Fatal(err)
	}
	first := receiveOne(t, s, q, 5*time.Second)
	// Invisible until its visibility timeout is over.
	receiveNone(t, s, q, 0)
	second := receiveOne(t, s, q, 5*time.Second)
	if second.MessageID != sent.MessageID || second.DequeueCount != 2 || second.ReceiptHandle == first.ReceiptHandle {
		t.Fatalf("received again %+v after %+v", second, first)
	}
	if second.NextVisibleTime.Before(first.NextVisibleTime) || !second.FirstDequeueTime.Before(second.NextVisibleTime.Add(-time.Second)) {
		t.Errorf("second receive: first dequeued %v, next visible %v (first receive's next visible %v)", second.FirstDequeueTime, second.NextVisibleTime, first.NextVisibleTime)
	}
	if err := s.DeleteMessage(ctx, q, first.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the first, stale handle: %v, want ErrMessageNotExist", err)
	}
	if _, _, err := s.ChangeVisibility(ctx, q, first.ReceiptHandle, time.Minute); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("change with the first, stale handle: %v, want ErrMessageNotExist", err)
	}
	if err := s.DeleteMessage(ctx, q, second.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
}

func TestBadReceiptHandles(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	other := newQueue(t, s, AttributeChange{}, "-other")
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: "mine"}); err != nil {
		t.Fatal(err)
	}
	m := receiveOne(t, s, q, 5*time.Second)
	forged := m.ReceiptHandle[:len(m.ReceiptHandle)-2] + "AA"
	if forged == m.ReceiptHandle {
		forged = m.ReceiptHandle[:len(m.ReceiptHandle)-2] + "BB"
	}
	for name, handle := range map[string]string{"forged": forged, "malformed": "1-not-a-handle", "empty": ""} {
		if err := s.DeleteMessage(ctx, q, handle); !errors.Is(err, ErrBadReceiptHandle) {
			t.Errorf("delete with a %s handle: %v, want ErrBadReceiptHandle", name, err)
		}
		if _, _, err := s.ChangeVisibility(ctx, q, handle, time.Second); !errors.Is(err, ErrBadReceiptHandle) {
			t.Errorf("change with a %s handle: %v, want ErrBadReceiptHandle", name, err)
		}
	}
	if err := s.DeleteMessage(ctx, other, m.ReceiptHandle); !errors.Is(err, ErrBadReceiptHandle) {
		t.Errorf("delete with another queue's handle: %v, want ErrBadReceiptHandle", err)
	}
	if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); err != nil {
		t.Errorf("the handle itself: %v", err)
	}
}

func TestChangeVisibilityThenDelete(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{VisibilityTimeout: ptr(1)})
	if _, err := s.SendMessage(ctx, q, Outgoing{Body: "hold me"}); err != nil {
		t.Fatal(err)
	}
	m := receiveOne(t, s, q, 5*time.Second)
	handle, visible, err := s.ChangeVisibility(ctx, q, m.ReceiptHandle, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(visible); d < 55*time.Second || d > time.Minute {
		t.Errorf("next visible in %v, want a minute", d)
	}
	if handle == m.ReceiptHandle {
		t.Error("the change gave the old handle back")
	}
	// The queue's 1 s visibility timeout no longer applies.
	receiveNone(t, s, q, 2*time.Second)
	if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the handle the change replaced: %v, want ErrMessageNotExist", err)
	}
	if err := s.DeleteMessage(ctx, q, handle); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, q, handle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("second delete: %v, want ErrMessageNotExist", err)
	}
}

func TestChangeVisibilityTwice(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	sent, err := s.SendMessage(ctx, q, Outgoing{Body: "move the hold"})
	if err != nil {
		t.Fatal(err)
	}
	m := receiveOne(t, s, q, 5*time.Second)
	held, _, err := s.ChangeVisibility(ctx, q, m.ReceiptHandle, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Moving the hold's end to 1 s from now brings the message back then.
	moved, visible, err := s.ChangeVisibility(ctx, q, held, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ChangeVisibility(ctx, q, held, time.Hour); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("change with the handle the second change replaced: %v, want ErrMessageNotExist", err)
	}
	again := receiveOne(t, s, q, 5*time.Second)
	if again.MessageID != sent.MessageID || again.DequeueCount != 2 || !again.FirstDequeueTime.Equal(m.FirstDequeueTime) {
		t.Errorf("received again %+v, first %+v", again, m)
	}
	if lag := time.Since(visible); lag < 0 || lag > 5*time.Second {
		t.Errorf("received %v after it was to become visible", lag)
	}
	// The hold is over: its handle is stale.
	if err := s.DeleteMessage(ctx, q, moved); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the ended hold's handle: %v, want ErrMessageNotExist", err)
	}
	// A change to 0 makes it visible at once.
	if _, _, err := s.ChangeVisibility(ctx, q, again.ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	last := receiveOne(t, s, q, 5*time.Second)
	if last.DequeueCount != 3 {
		t.Errorf("received a third time with DequeueCount %d", last.DequeueCount)
	}
	if err := s.DeleteMessage(ctx, q, last.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
}
