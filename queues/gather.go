package queues

import (
	"context"
	"slices"
	"sync"
	"time"
)

// sendGatherer gathers the messages sent to a busy queue so that they are
// sent together, as batches: one read of the queue's record a batch, and
// its undelayed messages stored in one group workflow.
//
// At most one batch is sent to a queue at a time. A send to a queue that is
// not busy is sent at once, alone: a lone producer never waits. A queue is
// busy while a send to it is in flight, and for busyWindow after a batch of
// several ended: its producers are coming back with their next messages. A
// send to a busy queue waits with the others that came while it is busy,
// until gatherWindow has passed since the batch in flight ended (or since
// the first of them came, if none was in flight), or until maxGroup wait;
// then they are sent in batches of up to maxGroup, at once. A send returns
// when its own message is stored (or could not be); one whose caller gives
// up while it waits is withdrawn and never sent, and one whose batch has
// left returns with the batch.
//
// Waiting for the batch in flight alone, without gatherWindow, made batches
// alternate between one message and all the producers' but one: the
// producer sent alone came back first and was alone again behind the next
// batch (docs/benchmarks.md §5).
type sendGatherer struct {
	// sendBatch sends a batch to a queue: Store.SendMessages.
	sendBatch func(ctx context.Context, queue string, ms []Outgoing) ([]Sent, []error)
	// gatherFor and busyFor are gatherWindow and busyWindow but in tests.
	gatherFor, busyFor time.Duration

	mu     sync.Mutex
	queues map[string]*gathering
}

const (
	// busyWindow is how long a queue stays busy after a batch of several
	// ended: long enough for their producers to get their answers and send
	// again over HTTP.
	busyWindow = 20 * time.Millisecond
	// gatherWindow is how long the sends to a busy queue wait for others.
	gatherWindow = 2 * time.Millisecond
	// gatheredSendTimeout bounds the send of gathered messages, which no
	// caller's deadline does.
	gatheredSendTimeout = 30 * time.Second
)

// gathering is a busy queue's state.
type gathering struct {
	waiting []*waitingSend
	// inFlight is how many messages the batch being sent has, 0 when none
	// is; flush, when set, sends what waits when gatherWindow is over.
	// idleSince is when the last batch ended.
	inFlight  int
	flush     *time.Timer
	idleSince time.Time
}

type waitingSend struct {
	m    Outgoing
	ctx  context.Context
	done chan sendResult
}

type sendResult struct {
	sent Sent
	err  error
}

func newSendGatherer(sendBatch func(ctx context.Context, queue string, ms []Outgoing) ([]Sent, []error)) *sendGatherer {
	return &sendGatherer{sendBatch: sendBatch, gatherFor: gatherWindow, busyFor: busyWindow}
}

// send sends m to queue, alone or in a batch with the messages gathered
// with it.
func (g *sendGatherer) send(ctx context.Context, queue string, m Outgoing) (Sent, error) {
	g.mu.Lock()
	if g.queues == nil {
		g.queues = map[string]*gathering{}
	}
	q := g.queues[queue]
	if q == nil {
		q = &gathering{inFlight: 1}
		g.queues[queue] = q
		g.mu.Unlock()
		sent, errs := g.sendBatch(ctx, queue, []Outgoing{m})
		g.sent(queue, q)
		return sent[0], errs[0]
	}
	w := &waitingSend{m: m, ctx: ctx, done: make(chan sendResult, 1)}
	q.waiting = append(q.waiting, w)
	switch {
	case q.inFlight > 0:
	case len(q.waiting) >= maxGroup:
		g.sendWaitingLocked(queue, q)
	case q.flush == nil:
		g.flushLaterLocked(queue, q)
	}
	g.mu.Unlock()
	select {
	case r := <-w.done:
		return r.sent, r.err
	case <-ctx.Done():
		if g.withdraw(q, w) {
			return Sent{}, ctx.Err()
		}
		// Its batch is being sent: the send is not given up with its
		// caller, so that a message is never half sent, and its result
		// is the batch's.
		r := <-w.done
		return r.sent, r.err
	}
}

// withdraw takes a send whose caller gave up out of what waits for q, and
// tells whether it was still waiting: then it is never sent.
func (g *sendGatherer) withdraw(q *gathering, w *waitingSend) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(q.waiting, w)
	if i < 0 {
		return false
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	return true
}

// sent ends the batch in flight to q: what waited is sent after
// gatherWindow (at once when it fills a batch). If nothing waits, q stays
// busy for busyWindow when the batch had several messages, else it is no
// longer busy.
func (g *sendGatherer) sent(queue string, q *gathering) {
	g.mu.Lock()
	defer g.mu.Unlock()
	several := q.inFlight > 1
	q.inFlight = 0
	q.idleSince = time.Now()
	switch {
	case len(q.waiting) >= maxGroup:
		g.sendWaitingLocked(queue, q)
	case len(q.waiting) > 0:
		g.flushLaterLocked(queue, q)
	case !several:
		delete(g.queues, queue)
	default:
		idleSince := q.idleSince
		time.AfterFunc(g.busyFor, func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.queues[queue] == q && q.inFlight == 0 && len(q.waiting) == 0 && q.idleSince.Equal(idleSince) {
				delete(g.queues, queue)
			}
		})
	}
}

// flushLaterLocked sends what waits for q when gatherWindow is over, unless
// it is sent before.
func (g *sendGatherer) flushLaterLocked(queue string, q *gathering) {
	var flush *time.Timer
	// The timer's function takes g.mu, held here: it sees flush set.
	flush = time.AfterFunc(g.gatherFor, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if q.flush == flush {
			g.sendWaitingLocked(queue, q)
		}
	})
	q.flush = flush
}

// sendWaitingLocked sends everything that waits for q, in batches of up to
// maxGroup, at once.
func (g *sendGatherer) sendWaitingLocked(queue string, q *gathering) {
	if q.flush != nil {
		q.flush.Stop()
		q.flush = nil
	}
	waiting := q.waiting
	q.waiting = nil
	q.inFlight = len(waiting)
	go func() {
		var wg sync.WaitGroup
		for batch := range slices.Chunk(waiting, maxGroup) {
			wg.Go(func() {
				ms := make([]Outgoing, len(batch))
				for i, w := range batch {
					ms[i] = w.m
				}
				// The first waiter's context carries its values, not its
				// deadline, for the send of them all.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), gatheredSendTimeout)
				sent, errs := g.sendBatch(ctx, queue, ms)
				cancel()
				for i, w := range batch {
					w.done <- sendResult{sent[i], errs[i]}
				}
			})
		}
		wg.Wait()
		g.sent(queue, q)
	}()
}
