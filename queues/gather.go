package queues

import (
	"context"
	"slices"
	"sync"
	"time"
)

// sendGatherer gathers the undelayed messages sent to a queue while a send
// to it is being stored, so that they are stored together: at most one
// store runs for a queue at a time, and when it ends, everything that
// waited behind it is stored in groups of up to maxGroup, at once. A send
// returns when its own message is stored (or could not be).
type sendGatherer struct {
	mu     sync.Mutex
	queues map[string]*gathering
}

// gatheredStoreTimeout bounds the store of gathered messages, which no
// caller's deadline does.
const gatheredStoreTimeout = 30 * time.Second

// gathering is what a queue's sends wait on.
type gathering struct {
	waiting []*waitingSend
	// store is the store of the send that came first; the ones gathered
	// behind it use it too (the queue's attributes as that send read them).
	store func(ctx context.Context, msgs []message) error
}

type waitingSend struct {
	m    message
	ctx  context.Context
	done chan error
}

// send stores m with store, or with the messages gathered with it.
func (g *sendGatherer) send(ctx context.Context, queue string, m message, store func(ctx context.Context, msgs []message) error) error {
	g.mu.Lock()
	if g.queues == nil {
		g.queues = map[string]*gathering{}
	}
	q := g.queues[queue]
	if q != nil {
		w := &waitingSend{m: m, ctx: ctx, done: make(chan error, 1)}
		q.waiting = append(q.waiting, w)
		g.mu.Unlock()
		// A waiting send is not given up with its caller: it is stored with
		// its group or fails with it, so that a message is never half sent.
		return <-w.done
	}
	g.queues[queue] = &gathering{store: store}
	g.mu.Unlock()
	err := store(ctx, []message{m})
	g.storeGathered(queue)
	return err
}

// storeGathered stores what waited for the queue's last store, and so on
// until nothing waits.
func (g *sendGatherer) storeGathered(queue string) {
	g.mu.Lock()
	q := g.queues[queue]
	waiting := q.waiting
	q.waiting = nil
	if len(waiting) == 0 {
		delete(g.queues, queue)
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	go func() {
		var wg sync.WaitGroup
		for group := range slices.Chunk(waiting, maxGroup) {
			wg.Go(func() {
				msgs := make([]message, len(group))
				for i, w := range group {
					msgs[i] = w.m
				}
				// The first waiter's context carries its values, not its
				// deadline, for the store of them all.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), gatheredStoreTimeout)
				err := q.store(ctx, msgs)
				cancel()
				for _, w := range group {
					w.done <- err
				}
			})
		}
		wg.Wait()
		g.storeGathered(queue)
	}()
}
