package queues

import (
	"fmt"
	"testing"
	"time"
)

// A Store remembers its sends for sentRecall, at most peekScan a queue, and
// forgets queues no one sends to any more.
func TestRecentSendsAreForgotten(t *testing.T) {
	var r recentSends
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	r.add("q", sentWorkflow{workflowID: "first", startTime: start, visibleAt: start})
	r.add("q", sentWorkflow{workflowID: "delayed", startTime: start, visibleAt: start.Add(time.Hour)})
	r.add("other", sentWorkflow{workflowID: "elsewhere", startTime: start, visibleAt: start})
	if got := ids(r.visible("q", start.Add(time.Second))); got != "[first]" {
		t.Errorf("visible a second later: %s, want [first] (the delayed one is not)", got)
	}
	later := start.Add(sentRecall)
	r.add("q", sentWorkflow{workflowID: "second", startTime: later, visibleAt: later})
	if got := ids(r.visible("q", later)); got != "[second]" {
		t.Errorf("visible after sentRecall: %s, want [second]", got)
	}
	if _, kept := r.byQueue["other"]; kept {
		t.Errorf("queue other, sent to only sentRecall ago, is still remembered")
	}
	for i := range peekScan + 5 {
		r.add("busy", sentWorkflow{workflowID: fmt.Sprint(i), startTime: later, visibleAt: later})
	}
	busy := r.visible("busy", later)
	if len(busy) != peekScan || busy[0].workflowID != "5" {
		t.Errorf("busy queue keeps %d from %s, want the newest %d", len(busy), busy[0].workflowID, peekScan)
	}
}

func ids(ws []sentWorkflow) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.workflowID)
	}
	return fmt.Sprint(out)
}
