package schedules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	schedulepb "go.temporal.io/api/schedule/v1"
	"google.golang.org/protobuf/types/known/durationpb"

	// Time zones are checked where the expression arrives (the gateway) and
	// the embedded server of `fnflow dev` loads them in the same binary:
	// with the database built in, neither depends on the machine having one.
	_ "time/tzdata"
)

// This file reads the managed service's cron dialect (reference fdl.md
// §6.5) into a Temporal ScheduleSpec. Temporal's own cron strings read six
// fields as minute…year, not second…day-of-week, so the dialect is parsed
// here, into structured calendars and intervals. It is the dialect of the
// managed service's cron library: six fields, seconds first, an optional
// CRON_TZ= (or TZ=) time zone, @every and the @daily family.

// CronError is an expression ParseCron refuses, with the reason.
type CronError struct {
	Expression string
	// Reason says which part is wrong and why.
	Reason string
}

func (e *CronError) Error() string {
	return fmt.Sprintf("cron expression %q: %s", e.Expression, e.Reason)
}

// minInterval is the shortest @every the managed service takes.
const minInterval = time.Minute

// field is one of the six time fields.
type field struct {
	name     string
	min, max int32
	// names are the values' names, names[i] standing for min+i.
	names []string
	// anyMark says whether "?" may stand for "*", as in the day fields.
	anyMark bool
}

var fields = [6]field{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, anyMark: true},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, anyMark: true},
}

const (
	dayOfMonth = 3
	dayOfWeek  = 5
)

// descriptors are the shorthands, each the six fields it stands for.
var descriptors = map[string]string{
	"@yearly":   "0 0 0 1 1 *",
	"@annually": "0 0 0 1 1 *",
	"@monthly":  "0 0 0 1 * *",
	"@weekly":   "0 0 0 * * 0",
	"@daily":    "0 0 0 * * *",
	"@midnight": "0 0 0 * * *",
	"@hourly":   "0 0 * * * *",
}

// ParseCron reads a CronExpression into the spec a Temporal schedule fires
// on, or refuses it with a *CronError:
//
//   - six fields, "second minute hour day-of-month month day-of-week", each
//     "*", a value, a range "a-b", a step "*/n", "a-b/n" or "a/n" (a to the
//     field's last value), or a comma-separated list of those. Months may be
//     JAN-DEC and days of the week SUN-SAT (0-6, 0 is Sunday), in any case.
//     "?" means "*" in the two day fields. When both day fields are
//     restricted, a time matches if either does (as in cron);
//   - "@every <duration>", at least a minute and whole minutes (5m, 1h30m),
//     counted from the Unix epoch, so "@every 15m" fires at :00, :15, …;
//   - "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
//     "@hourly";
//   - any of these after "CRON_TZ=<IANA zone> " or "TZ=<zone> "; UTC
//     otherwise. A zone changes nothing for @every.
func ParseCron(expr string) (*schedulepb.ScheduleSpec, error) {
	fail := func(format string, args ...any) error {
		return &CronError{Expression: expr, Reason: fmt.Sprintf(format, args...)}
	}
	rest := strings.TrimSpace(expr)
	if rest == "" {
		return nil, fail("it is empty")
	}
	spec := &schedulepb.ScheduleSpec{}
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if !strings.HasPrefix(rest, prefix) {
			continue
		}
		zone, after := cutField(rest[len(prefix):])
		if reason := checkZone(zone); reason != "" {
			return nil, fail("%s", reason)
		}
		spec.TimezoneName = zone
		rest = after
		if rest == "" {
			return nil, fail("nothing follows the time zone")
		}
		break
	}
	if strings.HasPrefix(rest, "@") {
		word, after := cutField(rest)
		word = strings.ToLower(word)
		switch text, ok := descriptors[word]; {
		case ok && after == "":
			rest = text
		case word == "@every":
			d, reason := parseInterval(after)
			if reason != "" {
				return nil, fail("%s", reason)
			}
			spec.Interval = []*schedulepb.IntervalSpec{{Interval: durationpb.New(d)}}
			return spec, nil
		case ok:
			return nil, fail("%s takes nothing after it", word)
		default:
			return nil, fail("%q is not a shorthand fnflow knows: use @every <duration>, @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly", word)
		}
	}
	parts := strings.Fields(rest)
	if len(parts) != len(fields) {
		return nil, fail("it has %d fields; it needs 6: second minute hour day-of-month month day-of-week", len(parts))
	}
	cal := &schedulepb.StructuredCalendarSpec{Comment: expr}
	targets := [6]*[]*schedulepb.Range{&cal.Second, &cal.Minute, &cal.Hour, &cal.DayOfMonth, &cal.Month, &cal.DayOfWeek}
	var anyDay [6]bool
	for i, text := range parts {
		ranges, isAny, reason := fields[i].parse(text)
		if reason != "" {
			return nil, fail("the %s field %q: %s", fields[i].name, text, reason)
		}
		*targets[i] = ranges
		anyDay[i] = isAny
	}
	spec.StructuredCalendar = []*schedulepb.StructuredCalendarSpec{cal}
	if !anyDay[dayOfMonth] && !anyDay[dayOfWeek] {
		// Temporal matches every field of a calendar; cron matches either
		// restricted day field. A second calendar, restricted only in the
		// day of the week, makes the union.
		byWeekday := &schedulepb.StructuredCalendarSpec{
			Comment: cal.Comment, Second: cal.Second, Minute: cal.Minute, Hour: cal.Hour, Month: cal.Month,
			DayOfMonth: fields[dayOfMonth].all(), DayOfWeek: cal.DayOfWeek,
		}
		cal.DayOfWeek = fields[dayOfWeek].all()
		spec.StructuredCalendar = append(spec.StructuredCalendar, byWeekday)
	}
	return spec, nil
}

func (f field) all() []*schedulepb.Range {
	return []*schedulepb.Range{{Start: f.min, End: f.max, Step: 1}}
}

// parse reads one field: its ranges, whether it matches every value the way
// "*" does, or why it is wrong.
func (f field) parse(text string) (ranges []*schedulepb.Range, isAny bool, reason string) {
	for _, part := range strings.Split(text, ",") {
		r, partAny, reason := f.parsePart(part)
		if reason != "" {
			return nil, false, reason
		}
		ranges = append(ranges, r)
		isAny = isAny || partAny
	}
	return ranges, isAny, ""
}

func (f field) parsePart(part string) (r *schedulepb.Range, isAny bool, reason string) {
	if part == "" {
		return nil, false, "a list has an empty item"
	}
	base, stepText, stepped := strings.Cut(part, "/")
	step := int32(1)
	if stepped {
		n, err := strconv.ParseInt(stepText, 10, 32)
		if err != nil || n < 1 || !digitsOnly(stepText) {
			return nil, false, fmt.Sprintf("the step %q is not a whole number of at least 1", stepText)
		}
		step = int32(n)
	}
	switch {
	case base == "*" || (base == "?" && f.anyMark):
		return &schedulepb.Range{Start: f.min, End: f.max, Step: step}, step == 1, ""
	case base == "?":
		return nil, false, `"?" is for the day-of-month and day-of-week fields only`
	}
	low, high, isRange := strings.Cut(base, "-")
	start, reason := f.value(low)
	if reason != "" {
		return nil, false, reason
	}
	end := start
	switch {
	case isRange:
		if end, reason = f.value(high); reason != "" {
			return nil, false, reason
		}
		if end < start {
			return nil, false, fmt.Sprintf("the range %s runs backwards", base)
		}
	case stepped:
		// "a/n" is a, a+n, … up to the field's last value.
		end = f.max
	}
	return &schedulepb.Range{Start: start, End: end, Step: step}, false, ""
}

// value reads one value, a number or a name.
func (f field) value(text string) (int32, string) {
	for i, name := range f.names {
		if strings.EqualFold(text, name) {
			return f.min + int32(i), ""
		}
	}
	if !digitsOnly(text) {
		hint := ""
		if len(f.names) > 0 {
			hint = fmt.Sprintf(" or a name %s-%s", f.names[0], f.names[len(f.names)-1])
		}
		if f.anyMark && strings.ContainsAny(strings.ToUpper(text), "LW#") {
			hint += `; the forms L, W and # are not supported`
		}
		return 0, fmt.Sprintf("%q is not a number%s", text, hint)
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil || int32(n) < f.min || int32(n) > f.max {
		return 0, fmt.Sprintf("%s is out of range %d-%d", text, f.min, f.max)
	}
	return int32(n), ""
}

// cutField splits s at its first run of white space; rest is trimmed.
func cutField(s string) (first, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseInterval reads @every's duration.
func parseInterval(text string) (time.Duration, string) {
	d, err := time.ParseDuration(text)
	switch {
	case err != nil:
		return 0, fmt.Sprintf("@every takes a duration such as 5m or 1h30m, not %q", text)
	case d < minInterval:
		return 0, fmt.Sprintf("@every %s is shorter than the smallest interval, 1 minute", text)
	case d%time.Minute != 0:
		return 0, fmt.Sprintf("@every %s is not a whole number of minutes", text)
	}
	return d, ""
}

// checkZone says why zone cannot be a schedule's time zone, or "".
func checkZone(zone string) string {
	if zone == "" {
		return "the time zone is empty"
	}
	// "Local" is wherever the server runs: not a zone a schedule can mean.
	if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
		return fmt.Sprintf("the time zone %q is not an IANA time zone name such as Asia/Shanghai or UTC", zone)
	}
	return ""
}
