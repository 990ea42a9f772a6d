package interpreter

import (
	"strconv"
	"strings"
	"testing"
)

// TestHistoryPage: a page holds at most Limit events and at most the byte
// budget, but always one event, and says whether more follow.
func TestHistoryPage(t *testing.T) {
	big := strings.Repeat("x", historyPageBudget/2)
	var l eventLog
	for id := int64(1); id <= 7; id++ {
		detail := map[string]any{"n": id}
		if id >= 4 {
			detail["big"] = big // 4 and 5 fill a page; 6 does not fit with 5
		}
		if id == 7 {
			detail["big"] = big + big + big // larger than a page on its own
		}
		l.events = append(l.events, Event{EventID: id, Type: EventStepEntered, Detail: detail})
	}
	for _, tt := range []struct {
		req      HistoryPageRequest
		wantIDs  string
		wantMore bool
	}{
		{HistoryPageRequest{After: 0, Limit: 2}, "1 2", true},
		{HistoryPageRequest{After: 2, Limit: 100}, "3 4", true},
		{HistoryPageRequest{After: 4, Limit: 0}, "5", true},
		{HistoryPageRequest{After: 6, Limit: 1}, "7", false},
		{HistoryPageRequest{After: 7, Limit: 10}, "", false},
		{HistoryPageRequest{After: 99, Limit: 10}, "", false},
	} {
		page, err := l.page(tt.req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range page.Events {
			ids = append(ids, strconv.FormatInt(e.EventID, 10))
		}
		if got := strings.Join(ids, " "); got != tt.wantIDs || page.More != tt.wantMore || page.LastEventID != 7 {
			t.Errorf("%+v: events %q, more %v, last %d; want %q, %v, 7", tt.req, got, page.More, page.LastEventID, tt.wantIDs, tt.wantMore)
		}
	}
}
