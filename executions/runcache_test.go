package executions

import (
	"fmt"
	"testing"
)

// TestRunCacheKeepsTheRecentWithinItsBytes: the cache gives back what was
// put, replaces a run's entry, forgets the least recently used run first
// once full, and keeps no entry too big to share the cache.
func TestRunCacheKeepsTheRecentWithinItsBytes(t *testing.T) {
	entry := func(run string, inputBytes int) runEntry {
		return runEntry{runID: run, input: make([]byte, inputBytes), definition: "version: v1"}
	}
	one := entry("r0", 0).size()
	c := newRunCache(8*one + 64) // room for eight, each within an eighth
	for i := range 8 {
		c.put(entry(fmt.Sprint("r", i), 0))
	}
	if _, ok := c.get("r0"); !ok { // r0 is now the most recently used
		t.Fatal("r0 is not cached")
	}
	c.put(entry("r8", 0))
	if _, ok := c.get("r1"); ok {
		t.Error("r1, the least recently used, is still cached after a ninth run")
	}
	for _, run := range []string{"r0", "r2", "r3", "r4", "r5", "r6", "r7", "r8"} {
		if _, ok := c.get(run); !ok {
			t.Errorf("%s is not cached", run)
		}
	}
	updated := entry("r2", 0)
	updated.begun, updated.output, updated.hasOutput = true, []byte(`{"a":1}`), true
	c.put(updated)
	if got, _ := c.get("r2"); !got.begun || string(got.output) != `{"a":1}` {
		t.Errorf("r2 after its update: %+v", got)
	}
	if c.bytes > c.maxBytes || len(c.byRun) != c.order.Len() {
		t.Errorf("the cache holds %d bytes of %d, %d runs in its map and %d in its order", c.bytes, c.maxBytes, len(c.byRun), c.order.Len())
	}
	c.put(entry("huge", c.maxBytes/8))
	if _, ok := c.get("huge"); ok {
		t.Error("an entry as big as the cache is cached")
	}
}
