package executions

import "testing"

// A callback attempt's activity ID is "<step path>#<TaskScheduled ID>"; a
// step name may hold "#", the event ID cannot.
func TestParseAttemptID(t *testing.T) {
	for _, tt := range []struct {
		id      string
		path    string
		eventID int64
		ok      bool
	}{
		{"approve#4", "approve", 4, true},
		{"each/approve#12", "each/approve", 12, true},
		{"ticket#1#30", "ticket#1", 30, true},
		{"parallel1/branch[0]/x#7", "parallel1/branch[0]/x", 7, true},
		{"approve", "", 0, false},
		{"approve#", "approve", 0, false},
		{"approve#0", "approve", 0, false},
		{"approve#x", "approve", 0, false},
		{"approve#4/abandon-1", "approve", 0, false},
	} {
		path, eventID, ok := parseAttemptID(tt.id)
		if ok != tt.ok || ok && (path != tt.path || eventID != tt.eventID) {
			t.Errorf("parseAttemptID(%q) = %q, %d, %v; want %q, %d, %v", tt.id, path, eventID, ok, tt.path, tt.eventID, tt.ok)
		}
	}
}
