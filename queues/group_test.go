package queues

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/testenv"
)

// A batch's undelayed messages share one group workflow; each is still
// received, counted, peeked, held and deleted on its own, and the group
// ends with its last message.
func TestGroupedMessagesAreMessagesOfTheirOwn(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	sent, errs := s.SendMessages(ctx, q, []Outgoing{{Body: "a", Priority: 2}, {Body: "b", Priority: 1}, {Body: "c", Priority: 3}, {Body: "late", DelaySeconds: ptr(3600)}})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	waitForCounters(t, s, q, Counters{ActiveMessages: 3, DelayMessages: 1})
	groups, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.cfg.Namespace, Query: runningMessages(q, "", GroupWorkflow)})
	if err != nil || len(groups.GetExecutions()) != 1 {
		t.Fatalf("running groups: %v, %v; want 1", groups.GetExecutions(), err)
	}
	groupID := groups.GetExecutions()[0].GetExecution().GetWorkflowId()
	peeked, err := s.PeekMessages(ctx, q, 16)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodies(peeked); !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("peeked %v, want [b a c] (priority order)", got)
	}

	var received []Message
	for range 3 {
		received = append(received, receiveOne(t, s, q, 5*time.Second))
	}
	if got := bodies(received); !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("received %v, want [b a c]", got)
	}
	waitForCounters(t, s, q, Counters{InactiveMessages: 3, DelayMessages: 1})

	// b is held, its hold moved, then deleted through the hold's handle; a
	// and c are deleted through their receipts.
	held, _, err := s.ChangeVisibility(ctx, q, received[0].ReceiptHandle, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, q, received[0].ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the handle the change replaced: %v, want ErrMessageNotExist", err)
	}
	moved, _, err := s.ChangeVisibility(ctx, q, held, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, q, held); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the hold's first handle: %v, want ErrMessageNotExist", err)
	}
	for _, h := range []string{received[1].ReceiptHandle, received[2].ReceiptHandle} {
		if err := s.DeleteMessage(ctx, q, h); err != nil {
			t.Fatal(err)
		}
	}
	// The group counts what it holds a moment after a delete.
	waitForCounters(t, s, q, Counters{InactiveMessages: 1, DelayMessages: 1})
	if err := s.DeleteMessage(ctx, q, moved); err != nil {
		t.Fatalf("delete of the held message: %v", err)
	}
	waitForCounters(t, s, q, Counters{DelayMessages: 1})
	testenv.Eventually(t, "the group ended", 20*time.Second, func() error {
		n, err := s.count(ctx, runningMessages(q, "", GroupWorkflow))
		if err == nil && n != 0 {
			err = fmt.Errorf("%d groups running", n)
		}
		return err
	})
	if sent[0].MessageID == sent[1].MessageID {
		t.Error("messages of a group share an ID")
	}
	recordHistory(t, groupID, "group_hold.json")
}

// A grouped message that is not deleted in time is received again, with a
// new handle and its DequeueCount counted up.
func TestGroupedMessageReappearsAfterVisibilityTimeout(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{VisibilityTimeout: ptr(1)})
	if _, errs := s.SendMessages(ctx, q, []Outgoing{{Body: "x"}, {Body: "y"}}); errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	first := receiveOne(t, s, q, 5*time.Second)
	second := receiveOne(t, s, q, 5*time.Second)
	if err := s.DeleteMessage(ctx, q, second.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	again := receiveOne(t, s, q, 10*time.Second)
	if again.MessageID != first.MessageID || again.DequeueCount != 2 {
		t.Errorf("received %s with DequeueCount %d, want %s again with 2", again.MessageID, again.DequeueCount, first.MessageID)
	}
	if err := s.DeleteMessage(ctx, q, first.ReceiptHandle); !errors.Is(err, ErrMessageNotExist) {
		t.Errorf("delete with the expired handle: %v, want ErrMessageNotExist", err)
	}
	if err := s.DeleteMessage(ctx, q, again.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
}

// Sends that come together to a queue are gathered into groups; every one
// of them is delivered once.
func TestConcurrentSendsAreGathered(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	q := newQueue(t, s, AttributeChange{})
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.SendMessage(ctx, q, Outgoing{Body: fmt.Sprint(i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for len(seen) < n {
		msgs, err := s.ReceiveMessages(ctx, q, 16, 5*time.Second)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("received %d of %d: %v", len(seen), n, err)
		}
		for _, m := range msgs {
			if seen[m.Body] {
				t.Fatalf("message %s received twice", m.Body)
			}
			seen[m.Body] = true
			if err := s.DeleteMessage(ctx, q, m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
	}
	testenv.Eventually(t, "a group was made", 20*time.Second, func() error {
		groups, err := s.count(ctx, fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH '%s'", GroupWorkflow, groupWorkflowID(q, "")))
		if err == nil && groups == 0 {
			err = errors.New("40 concurrent sends made no group")
		}
		return err
	})
}

// The gatherer sends one send at once and everything that came meanwhile
// together, at most maxGroup at a time.
func TestGathererGroupsWhatWaited(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var stores [][]string
	g := newSendGatherer(func(_ context.Context, _ string, ms []Outgoing) ([]Sent, []error) {
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.Body
		}
		mu.Lock()
		stores = append(stores, ids)
		first := len(stores) == 1
		mu.Unlock()
		if first {
			<-release
		}
		return make([]Sent, len(ms)), make([]error, len(ms))
	})
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = g.send(context.Background(), "q", Outgoing{Body: "first"}) })
	testenv.Eventually(t, "the first store runs", 5*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(stores) == 0 {
			return errors.New("not yet")
		}
		return nil
	})
	for i := range 20 {
		wg.Go(func() { _, _ = g.send(context.Background(), "q", Outgoing{Body: fmt.Sprint(i)}) })
	}
	testenv.Eventually(t, "20 sends wait", 5*time.Second, g.waitingFor("q", 20))
	close(release)
	wg.Wait()
	sizes := []int{}
	for _, s := range stores {
		sizes = append(sizes, len(s))
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{1, 4, 16}) {
		t.Errorf("stores of %v messages, want 1, then 16 and 4", sizes)
	}
	testenv.Eventually(t, "the queue is forgotten once it is no longer busy", 5*time.Second, func() error {
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.queues) != 0 {
			return fmt.Errorf("the gatherer still tracks %d queues", len(g.queues))
		}
		return nil
	})
}

// waitingFor is a check for testenv.Eventually: n sends wait for queue,
// which the gatherer tracks as busy.
func (g *sendGatherer) waitingFor(queue string, n int) func() error {
	return func() error {
		g.mu.Lock()
		defer g.mu.Unlock()
		q := g.queues[queue]
		if q == nil {
			return errors.New("the queue is not busy")
		}
		if len(q.waiting) != n {
			return fmt.Errorf("%d sends wait, not %d", len(q.waiting), n)
		}
		return nil
	}
}

// batchRecorder is a sendBatch that records the batches it is given; each
// message's body names it.
type batchRecorder struct {
	// hold, if set, holds the first batch in flight until it is closed.
	hold chan struct{}

	mu      sync.Mutex
	batches [][]string
}

func (r *batchRecorder) sendBatch(_ context.Context, _ string, ms []Outgoing) ([]Sent, []error) {
	bodies := make([]string, len(ms))
	sent := make([]Sent, len(ms))
	for i, m := range ms {
		bodies[i], sent[i] = m.Body, Sent{MessageID: m.Body}
	}
	r.mu.Lock()
	r.batches = append(r.batches, bodies)
	first := len(r.batches) == 1
	r.mu.Unlock()
	if first && r.hold != nil {
		<-r.hold
	}
	return sent, make([]error, len(ms))
}

func (r *batchRecorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	sizes := []int{}
	for _, b := range r.batches {
		sizes = append(sizes, len(b))
	}
	return sizes
}

// A producer alone never waits for others: with windows of an hour, each of
// its sends is sent at once, alone, and answered with its own result.
func TestGathererSendsALoneSendAtOnce(t *testing.T) {
	var r batchRecorder
	g := sendGatherer{sendBatch: r.sendBatch, gatherFor: time.Hour, busyFor: time.Hour}
	for i := range 3 {
		sent, err := g.send(context.Background(), "q", Outgoing{Body: fmt.Sprint(i)})
		if err != nil || sent.MessageID != fmt.Sprint(i) {
			t.Fatalf("send %d: %+v, %v", i, sent, err)
		}
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 1, 1}) {
		t.Errorf("batches of %v messages, want three of one", got)
	}
	if len(g.queues) != 0 {
		t.Errorf("the gatherer tracks %d queues after lone sends", len(g.queues))
	}
}

// Producers coming back to a queue whose last batch had several messages
// are gathered again, though nothing is in flight when they come: without
// that, batches alternated between one and all the producers' but one.
func TestGathererGathersTheProducersOfABusyQueue(t *testing.T) {
	release := make(chan struct{})
	r := batchRecorder{hold: release}
	g := sendGatherer{sendBatch: r.sendBatch, gatherFor: 200 * time.Millisecond, busyFor: time.Hour}
	send := func(wg *sync.WaitGroup, body string) {
		wg.Go(func() {
			if sent, err := g.send(context.Background(), "q", Outgoing{Body: body}); err != nil || sent.MessageID != body {
				t.Errorf("send %s: %+v, %v", body, sent, err)
			}
		})
	}
	// The first send is held in flight while three more come and wait...
	var wg sync.WaitGroup
	send(&wg, "first")
	testenv.Eventually(t, "the first send is in flight", 5*time.Second, g.waitingFor("q", 0))
	for i := range 3 {
		send(&wg, fmt.Sprint(i))
	}
	testenv.Eventually(t, "three sends wait", 5*time.Second, g.waitingFor("q", 3))
	close(release)
	wg.Wait()
	// ...and once those three are sent, the queue is busy with nothing in
	// flight: five sends coming at once are gathered, and wait for it.
	began := time.Now()
	for i := range 5 {
		send(&wg, fmt.Sprint(i))
	}
	wg.Wait()
	if waited := time.Since(began); waited < g.gatherFor {
		t.Errorf("sends to a busy queue returned after %v, before the gathering window of %v", waited, g.gatherFor)
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 3, 5}) {
		t.Errorf("batches of %v messages, want 1, 3, 5", got)
	}
}

// A send whose caller gives up while it waits for the batch in flight is
// withdrawn: it returns at once and its message is never sent, while the
// others that waited with it are.
func TestGathererWithdrawsASendItsCallerGaveUp(t *testing.T) {
	release := make(chan struct{})
	r := batchRecorder{hold: release}
	g := sendGatherer{sendBatch: r.sendBatch, gatherFor: time.Millisecond, busyFor: time.Hour}
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = g.send(context.Background(), "q", Outgoing{Body: "first"}) })
	testenv.Eventually(t, "the first send is in flight", 5*time.Second, func() error {
		if len(r.sizes()) == 0 {
			return errors.New("not yet")
		}
		return nil
	})
	ctx, giveUp := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := g.send(ctx, "q", Outgoing{Body: "given-up"})
		gaveUp <- err
	}()
	wg.Go(func() {
		if sent, err := g.send(context.Background(), "q", Outgoing{Body: "kept"}); err != nil || sent.MessageID != "kept" {
			t.Errorf("send kept: %+v, %v", sent, err)
		}
	})
	testenv.Eventually(t, "two sends wait", 5*time.Second, g.waitingFor("q", 2))
	giveUp()
	select {
	case err := <-gaveUp:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the send whose caller gave up returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the send whose caller gave up still waits for the batch in flight")
	}
	close(release)
	wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if want := [][]string{{"first"}, {"kept"}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v: a withdrawn send is never sent", r.batches, want)
	}
}

func bodies(msgs []Message) []string {
	var b []string
	for _, m := range msgs {
		b = append(b, m.Body)
	}
	return b
}

// Only what will not be delayed is gathered: a message with a delay of its
// own, or sent to a queue that delays what does not say, has a workflow of
// its own, and a batch would only start those one after another.
func TestOnlyUndelayedSendsAreGathered(t *testing.T) {
	s := newStore(t)
	ctx := testContext(t)
	delaying := newQueue(t, s, AttributeChange{DelaySeconds: ptr(5)}, "-delaying")
	plain := newQueue(t, s, AttributeChange{}, "-plain")
	for _, c := range []struct {
		queue string
		delay *int
		want  bool
	}{
		{plain, nil, true},
		{plain, ptr(0), true},
		{plain, ptr(3), false},
		{delaying, nil, false},
		{delaying, ptr(0), true},
		{delaying, ptr(3), false},
		{"no-such-queue", nil, true}, // the batch's read reports it
	} {
		if got := s.gathers(ctx, c.queue, Outgoing{DelaySeconds: c.delay}); got != c.want {
			t.Errorf("queue %s, DelaySeconds %v: gathered %v, want %v", c.queue, c.delay, got, c.want)
		}
	}
	ungrouped := New(s.client, Config{Namespace: s.cfg.Namespace, TaskQueue: s.cfg.TaskQueue, Handles: s.cfg.Handles})
	if ungrouped.gathers(ctx, plain, Outgoing{}) {
		t.Error("a store without GroupSends gathers")
	}
}

// The shared server, as fnflow dev, has what grouped sends need.
func TestCheckGroupSendsOnANamespaceWithTheAttribute(t *testing.T) {
	env := testenv.Start(t)
	if err := CheckGroupSends(testContext(t), env.Client, env.Namespace); err != nil {
		t.Fatal(err)
	}
}
