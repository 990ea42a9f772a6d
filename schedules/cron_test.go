package schedules

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	schedulepb "go.temporal.io/api/schedule/v1"
)

// render writes a spec in the dialect's own six-field form, a full range as
// "*", calendars joined by " | ", so that the tests can say what a spec
// fires on and the fuzz target can parse the rendering back.
func render(spec *schedulepb.ScheduleSpec) string {
	var out []string
	for _, iv := range spec.GetInterval() {
		out = append(out, "@every "+iv.GetInterval().AsDuration().String())
	}
	for _, cal := range spec.GetStructuredCalendar() {
		var parts []string
		for i, ranges := range [6][]*schedulepb.Range{cal.Second, cal.Minute, cal.Hour, cal.DayOfMonth, cal.Month, cal.DayOfWeek} {
			parts = append(parts, renderField(fields[i], ranges))
		}
		out = append(out, strings.Join(parts, " "))
	}
	text := strings.Join(out, " | ")
	if spec.GetTimezoneName() != "" {
		text = "CRON_TZ=" + spec.GetTimezoneName() + " " + text
	}
	return text
}

func renderField(f field, ranges []*schedulepb.Range) string {
	var items []string
	for _, r := range ranges {
		var item string
		switch {
		case r.Start == f.min && r.End == f.max && r.Step == 1:
			item = "*"
		case r.Start == r.End && r.Step == 1:
			item = fmt.Sprint(r.Start)
		default:
			item = fmt.Sprintf("%d-%d", r.Start, r.End)
		}
		if r.Step != 1 {
			item += fmt.Sprintf("/%d", r.Step)
		}
		items = append(items, item)
	}
	return strings.Join(items, ",")
}

func TestParseCron(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"0 * * * * *", "0 * * * * *"},
		{"* * * * * *", "* * * * * *"},
		{"  0   0  8 * *  *  ", "0 0 8 * * *"},
		{"0 0/15 * * * *", "0 0-59/15 * * * *"},
		{"*/10 * * * * *", "0-59/10 * * * * *"},
		{"0 5-30/5 9-17 * * *", "0 5-30/5 9-17 * * *"},
		{"0 0,30 8,12,18 * * *", "0 0,30 8,12,18 * * *"},
		{"0 0 0 1 jan,Jul *", "0 0 0 1 1,7 *"},
		{"0 0 9 * * MON-FRI", "0 0 9 * * 1-5"},
		{"0 0 9 * * sun,SAT", "0 0 9 * * 0,6"},
		{"0 0 9 ? * MON", "0 0 9 * * 1"},
		{"0 0 9 1 * ?", "0 0 9 1 * *"},
		{"0 0 9 */1 * MON", "0 0 9 * * 1"},
		{"0 0 9 *,15 * MON", "0 0 9 *,15 * 1"},
		// Both day fields restricted: either matches, as in cron.
		{"0 0 12 1,15 * MON", "0 0 12 1,15 * * | 0 0 12 * * 1"},
		{"0 0 12 */2 * 1-5", "0 0 12 1-31/2 * * | 0 0 12 * * 1-5"},
		{"59 59 23 31 12 6", "59 59 23 31 12 * | 59 59 23 * 12 6"},
		{"CRON_TZ=Asia/Shanghai 0 0 8 * * *", "CRON_TZ=Asia/Shanghai 0 0 8 * * *"},
		{"TZ=America/New_York 0 30 2 * * *", "CRON_TZ=America/New_York 0 30 2 * * *"},
		{"CRON_TZ=UTC @daily", "CRON_TZ=UTC 0 0 0 * * *"},
		{"@yearly", "0 0 0 1 1 *"},
		{"@annually", "0 0 0 1 1 *"},
		{"@monthly", "0 0 0 1 * *"},
		{"@weekly", "0 0 0 * * 0"},
		{"@DAILY", "0 0 0 * * *"},
		{"@midnight", "0 0 0 * * *"},
		{"@hourly", "0 0 * * * *"},
		{"@every 1m", "@every 1m0s"},
		{"@every 15m", "@every 15m0s"},
		{"@every 1h30m", "@every 1h30m0s"},
		{"@every   120s", "@every 2m0s"},
		{"CRON_TZ=Europe/Berlin @every 5m", "CRON_TZ=Europe/Berlin @every 5m0s"},
	}
	for _, tt := range tests {
		spec, err := ParseCron(tt.expr)
		if err != nil {
			t.Errorf("ParseCron(%q): %v", tt.expr, err)
			continue
		}
		if got := render(spec); got != tt.want {
			t.Errorf("ParseCron(%q) = %s, want %s", tt.expr, got, tt.want)
		}
		for _, cal := range spec.GetStructuredCalendar() {
			if cal.Comment != tt.expr {
				t.Errorf("ParseCron(%q): calendar comment %q", tt.expr, cal.Comment)
			}
		}
	}
}

func TestParseCronRefuses(t *testing.T) {
	tests := []struct {
		expr string
		// reason must be in the error's reason.
		reason string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"* * * * *", "it has 5 fields; it needs 6: second minute hour"},
		{"0 0 * * * * 2025", "it has 7 fields"},
		{"60 * * * * *", `the second field "60": 60 is out of range 0-59`},
		{"0 60 * * * *", `the minute field "60": 60 is out of range 0-59`},
		{"0 0 24 * * *", `the hour field "24": 24 is out of range 0-23`},
		{"0 0 0 0 * *", `the day-of-month field "0": 0 is out of range 1-31`},
		{"0 0 0 32 * *", "out of range 1-31"},
		{"0 0 0 * 13 *", `the month field "13": 13 is out of range 1-12`},
		{"0 0 0 * * 7", `the day-of-week field "7": 7 is out of range 0-6`},
		{"0 0 0 * * MOM", `"MOM" is not a number or a name SUN-SAT`},
		{"0 0 0 * JANUARY *", `"JANUARY" is not a number or a name JAN-DEC`},
		{"0 0 MON * * *", `the hour field "MON": "MON" is not a number`},
		{"0 0 0 L * *", "the forms L, W and # are not supported"},
		{"0 0 0 15W * *", "the forms L, W and # are not supported"},
		{"0 0 0 ? * 5#2", "the forms L, W and # are not supported"},
		{"0 0 0 ? * 5L", "the forms L, W and # are not supported"},
		{"? * * * * *", `"?" is for the day-of-month and day-of-week fields only`},
		{"0 0 0 * ? *", `the month field "?"`},
		{"0 30-10 * * * *", "the range 30-10 runs backwards"},
		{"0 0 0 * * FRI-MON", "the range FRI-MON runs backwards"},
		{"0 */0 * * * *", `the step "0" is not a whole number of at least 1`},
		{"0 */x * * * *", `the step "x"`},
		{"0 */+5 * * * *", `the step "+5"`},
		{"0 */99999999999 * * * *", "the step"},
		{"0 -5 * * * *", `"" is not a number`},
		{"0 5- * * * *", `"" is not a number`},
		{"0 1-2-3 * * * *", `"2-3" is not a number`},
		{"0 1,,2 * * * *", "a list has an empty item"},
		{"0 1, * * * *", "a list has an empty item"},
		{"0 +1 * * * *", `"+1" is not a number`},
		{"0 99999999999 * * * *", "99999999999 is out of range 0-59"},
		{"@every 30s", "@every 30s is shorter than the smallest interval, 1 minute"},
		{"@every 0m", "shorter than the smallest interval"},
		{"@every -5m", "shorter than the smallest interval"},
		{"@every 90s", "@every 90s is not a whole number of minutes"},
		{"@every 5", `@every takes a duration such as 5m or 1h30m, not "5"`},
		{"@every", `not ""`},
		{"@every 5 m", `not "5 m"`},
		{"@reboot", `"@reboot" is not a shorthand fnflow knows`},
		{"@daily 0", "@daily takes nothing after it"},
		{"CRON_TZ=Mars/Olympus 0 0 8 * * *", `the time zone "Mars/Olympus" is not an IANA time zone name`},
		{"CRON_TZ=Local 0 0 8 * * *", `the time zone "Local"`},
		{"CRON_TZ= 0 0 8 * * *", "the time zone is empty"},
		{"CRON_TZ=Asia/Shanghai", "nothing follows the time zone"},
		{"CRON_TZ=Asia/Shanghai   ", "nothing follows the time zone"},
		{"CRON_TZ=Asia/Shanghai 0 0 8 * *", "it has 5 fields"},
	}
	for _, tt := range tests {
		_, err := ParseCron(tt.expr)
		var cronErr *CronError
		if !errors.As(err, &cronErr) {
			t.Errorf("ParseCron(%q) = %v, want a CronError", tt.expr, err)
			continue
		}
		if cronErr.Expression != tt.expr || !strings.Contains(cronErr.Reason, tt.reason) {
			t.Errorf("ParseCron(%q): %q, want the reason to say %q", tt.expr, cronErr.Reason, tt.reason)
		}
	}
}

// FuzzParseCron checks, for any text: ParseCron never panics; it refuses
// with a CronError that gives a reason; what it accepts stays within each
// field's range, with steps of at least 1 and ranges that run forwards; and
// the six-field rendering of each calendar it returns parses back to that
// same calendar.
func FuzzParseCron(f *testing.F) {
	for _, seed := range []string{
		"0 * * * * *", "*/5 1-10/3 0,12 ? JAN-mar MON", "0 0 12 1,15 * MON", "CRON_TZ=Asia/Shanghai 0 0 8 * * *",
		"@every 1h30m", "@hourly", "TZ=UTC @every 2m", "0 0 0 L * *", "1-2-3 * * * * *", "0 0 0 31 2 *",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		spec, err := ParseCron(expr)
		if err != nil {
			var cronErr *CronError
			if !errors.As(err, &cronErr) || cronErr.Reason == "" || cronErr.Expression != expr {
				t.Fatalf("ParseCron(%q) refused with %#v", expr, err)
			}
			return
		}
		if len(spec.GetInterval()) > 0 {
			if len(spec.GetStructuredCalendar()) > 0 || spec.GetInterval()[0].GetInterval().AsDuration() < minInterval {
				t.Fatalf("ParseCron(%q) = %s", expr, render(spec))
			}
			return
		}
		cals := spec.GetStructuredCalendar()
		if len(cals) == 0 || len(cals) > 2 {
			t.Fatalf("ParseCron(%q) gave %d calendars", expr, len(cals))
		}
		for _, cal := range cals {
			for i, ranges := range [6][]*schedulepb.Range{cal.Second, cal.Minute, cal.Hour, cal.DayOfMonth, cal.Month, cal.DayOfWeek} {
				if len(ranges) == 0 {
					t.Fatalf("ParseCron(%q): no %s ranges", expr, fields[i].name)
				}
				for _, r := range ranges {
					if r.Start < fields[i].min || r.End > fields[i].max || r.Start > r.End || r.Step < 1 {
						t.Fatalf("ParseCron(%q): %s range %v", expr, fields[i].name, r)
					}
				}
			}
			one := &schedulepb.ScheduleSpec{StructuredCalendar: []*schedulepb.StructuredCalendarSpec{cal}}
			text := render(one)
			again, err := ParseCron(text)
			if err != nil {
				t.Fatalf("ParseCron(%q) rendered as %q, which does not parse: %v", expr, text, err)
			}
			if got := render(again); got != text {
				t.Fatalf("ParseCron(%q): calendar %q parses back as %q", expr, text, got)
			}
		}
	})
}
