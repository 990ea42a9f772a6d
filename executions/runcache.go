package executions

import (
	"container/list"
	"encoding/json"
	"sync"
)

// runCache keeps what a run's history says that never changes once it is
// read: the input and definition of its start event, that it has begun (a
// workflow task of it completed), and its output once it succeeded. A run
// ID names one run for good, so an entry is true for every process and
// needs no invalidation; the cache only spares a DescribeExecution polled
// until the execution ends a history read per call, through the one
// database connection of the embedded server. Least recently used entries
// go first once the cache holds maxBytes.
type runCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // of *runEntry, most recently used first
	byRun    map[string]*list.Element
}

// runEntry is what runCache holds for one run. Callers get the slices
// themselves and must not change them.
type runEntry struct {
	runID      string
	input      json.RawMessage
	definition string
	begun      bool
	// output is set, and hasOutput, once the run succeeded.
	output    json.RawMessage
	hasOutput bool
}

// runCacheBytes bounds the cache of each Service: about a thousand runs of
// a few kilobytes each.
const runCacheBytes = 8 << 20

// runEntryOverhead is what an entry costs beyond its data: the list
// element, the map slot and the strings' headers.
const runEntryOverhead = 256

func newRunCache(maxBytes int) *runCache {
	return &runCache{maxBytes: maxBytes, order: list.New(), byRun: map[string]*list.Element{}}
}

func (e runEntry) size() int {
	return runEntryOverhead + len(e.runID) + len(e.input) + len(e.definition) + len(e.output)
}

func (c *runCache) get(runID string) (runEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byRun[runID]
	if !ok {
		return runEntry{}, false
	}
	c.order.MoveToFront(el)
	return *el.Value.(*runEntry), true
}

// put stores e, replacing what the cache held for its run. An entry of more
// than an eighth of the cache is not kept: it would push out many others.
func (c *runCache) put(e runEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byRun[e.runID]; ok {
		c.remove(el)
	}
	if e.size() > c.maxBytes/8 {
		return
	}
	c.byRun[e.runID] = c.order.PushFront(&e)
	c.bytes += e.size()
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *runCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*runEntry)
	delete(c.byRun, e.runID)
	c.bytes -= e.size()
}
