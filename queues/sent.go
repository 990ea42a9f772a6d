package queues

import (
	"sync"
	"time"
)

// sentRecall is how long a Store remembers the message and group workflows
// it started, for its peeks. Visibility records a start a moment after it
// (milliseconds on a quiet embedded server, seconds on a busy one); this is
// well beyond that.
const sentRecall = 10 * time.Second

// recentSends are the message and group workflows this Store started in the
// last sentRecall, by queue, oldest first. MNS's PeekMessage sees a message
// the moment SendMessage returns, and clients peek right after sending
// (Alibaba's samples do), but a peek lists message workflows from
// visibility, which records a start a moment later: so a peek adds what
// this Store sent and visibility does not list yet. Sends through another
// Store (another gateway) show once visibility has them.
type recentSends struct {
	mu        sync.Mutex
	byQueue   map[string][]sentWorkflow
	lastSweep time.Time
}

// sentWorkflow is one workflow a send started, with what visibility would
// say of it: the priority its memo holds (the highest of its messages) and
// when its delay, if any, is over.
type sentWorkflow struct {
	workflowID string
	priority   int
	startTime  time.Time
	visibleAt  time.Time
}

// add remembers a workflow sent to queue. At most peekScan are kept a
// queue, as a peek considers no more.
func (r *recentSends) add(queue string, w sentWorkflow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byQueue == nil {
		r.byQueue = map[string][]sentWorkflow{}
	}
	sent := append(r.current(queue, w.startTime), w)
	if len(sent) > peekScan {
		sent = sent[len(sent)-peekScan:]
	}
	r.byQueue[queue] = sent
	// Queues no one sends to any more are forgotten too, at most once a
	// sentRecall so that a send costs no walk over every queue.
	if w.startTime.Sub(r.lastSweep) >= sentRecall {
		r.lastSweep = w.startTime
		for q := range r.byQueue {
			if len(r.current(q, w.startTime)) == 0 {
				delete(r.byQueue, q)
			}
		}
	}
}

// visible returns the workflows sent to queue in the last sentRecall whose
// delay is over at now.
func (r *recentSends) visible(queue string, now time.Time) []sentWorkflow {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sentWorkflow
	for _, w := range r.current(queue, now) {
		if !w.visibleAt.After(now) {
			out = append(out, w)
		}
	}
	return out
}

// current drops queue's workflows sent more than sentRecall before now and
// returns the rest. The caller holds mu.
func (r *recentSends) current(queue string, now time.Time) []sentWorkflow {
	sent := r.byQueue[queue]
	i := 0
	for i < len(sent) && now.Sub(sent[i].startTime) >= sentRecall {
		i++
	}
	if i > 0 {
		// The dropped front is freed when append next grows the slice.
		sent = sent[i:]
		r.byQueue[queue] = sent
	}
	return sent
}
