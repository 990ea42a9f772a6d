package executions

import (
	"errors"
	"testing"
	"time"
)

func TestListQuery(t *testing.T) {
	base := "WorkflowType = 'fnflow.Execution' AND WorkflowId STARTS_WITH 'f/"
	from := time.Date(2019, 1, 1, 1, 1, 1, 1e6, time.FixedZone("", 3600))
	for _, tt := range []struct {
		filter Filter
		want   string
	}{
		{Filter{}, base + "'"},
		{Filter{NamePrefix: "a-1"}, base + "a-1'"},
		{Filter{Status: Stopped}, base + "' AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')"},
		{Filter{Status: Succeeded}, base + "' AND ExecutionStatus = 'Completed'"},
		{Filter{Status: Starting}, base + "' AND ExecutionStatus = 'Running'"},
		{Filter{StartedFrom: from, StartedUntil: from.Add(time.Hour)},
			base + "' AND StartTime >= '2019-01-01T00:01:01.001Z' AND StartTime <= '2019-01-01T01:01:01.001Z'"},
	} {
		got, err := listQuery("f", tt.filter)
		if err != nil || got != tt.want {
			t.Errorf("listQuery(%+v) = %q, %v; want %q", tt.filter, got, err, tt.want)
		}
	}
	for _, bad := range []Filter{{NamePrefix: "a' OR true"}, {Status: "Paused"}} {
		if _, err := listQuery("f", bad); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("listQuery(%+v) error %v, want ErrInvalidFilter", bad, err)
		}
	}
}
