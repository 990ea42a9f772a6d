package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// TestScheduleRefusals: what the schedule actions refuse before the flow or
// Temporal is asked (the offline server has neither), each with its reason.
func TestScheduleRefusals(t *testing.T) {
	s := offlineServer(t)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		// message must be in the reply's Message.
		message string
	}{
		{"schedule without cron", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s"), 400, "MissingRequiredParams", "CronExpression"},
		{"five-field cron", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "0 8 * * *"), 400, "InvalidArgument", "it needs 6: second minute hour day-of-month month day-of-week"},
		{"cron out of range", form("UpdateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "0 0 25 * * *"), 400, "InvalidArgument", `the hour field "25": 25 is out of range 0-23`},
		{"interval too short", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "@every 30s"), 400, "InvalidArgument", "1 minute"},
		{"unknown time zone", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "CRON_TZ=Nowhere/Town 0 0 8 * * *"), 400, "InvalidArgument", "Nowhere/Town"},
		{"schedule name", form("CreateSchedule", "FlowName", "f", "ScheduleName", "a/b", "CronExpression", "@daily"), 400, "InvalidArgument", "ScheduleName"},
		{"payload not an object", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "@daily", "Payload", "[1]"), 400, "InvalidArgument", "Payload"},
		{"payload not JSON", form("UpdateSchedule", "FlowName", "f", "ScheduleName", "s", "Payload", "{"), 400, "InvalidArgument", "Payload"},
		{"enable not a boolean", form("CreateSchedule", "FlowName", "f", "ScheduleName", "s", "CronExpression", "@daily", "Enable", "yes"), 400, "InvalidArgument", "Enable"},
		{"describe without schedule", newHTTPRequest("GET", "/?Action=DescribeSchedule&FlowName=f", "", ""), 400, "MissingRequiredParams", "ScheduleName"},
		{"schedule list limit", newHTTPRequest("GET", "/?Action=ListSchedules&FlowName=f&Limit=1001", "", ""), 400, "InvalidArgument", "Limit"},
		{"schedule list token", newHTTPRequest("GET", "/?Action=ListSchedules&FlowName=f&NextToken=abc", "", ""), 400, "InvalidArgument", "NextToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := serve(t, s, tt.req)
			if status != tt.status || body["Code"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, body, tt.status, tt.code)
			}
			checkErrorBody(t, body)
			if !strings.Contains(body["Message"].(string), tt.message) {
				t.Errorf("Message %q does not say %q", body["Message"], tt.message)
			}
		})
	}
}
