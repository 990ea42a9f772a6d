package schedules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/schedules"
)

// TestPausedSchedule: Enable false pauses the Temporal schedule; enabling
// it again resumes it.
func TestPausedSchedule(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: "s", CronExpression: "0 * * * * *"}); err != nil {
		t.Fatal(err)
	}
	desc, err := fx.describe(t, flow, "s")
	if err != nil || !desc.GetSchedule().GetState().GetPaused() {
		t.Fatalf("created with Enable false: %v, %v", desc.GetSchedule().GetState(), err)
	}
	on := true
	if _, err := fx.schedules.Update(ctx, flow, "s", schedules.Change{Enable: &on}); err != nil {
		t.Fatal(err)
	}
	desc, err = fx.describe(t, flow, "s")
	if err != nil || desc.GetSchedule().GetState().GetPaused() {
		t.Fatalf("enabled: %v, %v", desc.GetSchedule().GetState(), err)
	}
}

// TestSpecsFireAsDocumented: the times Temporal says it will fire the
// translated spec at are the ones the dialect means.
func TestSpecsFireAsDocumented(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	tests := []struct {
		name, expr string
		// fires says whether a fire at the time is one the expression means.
		fires func(time.Time) bool
		// also, when set, must hold for one of the fires at least.
		also []func(time.Time) bool
	}{
		{"either_day", "0 0 12 1,15 * MON",
			func(at time.Time) bool {
				return at.Hour() == 12 && at.Minute() == 0 && (at.Day() == 1 || at.Day() == 15 || at.Weekday() == time.Monday)
			},
			[]func(time.Time) bool{
				func(at time.Time) bool { return at.Weekday() == time.Monday && at.Day() != 1 && at.Day() != 15 },
				func(at time.Time) bool { return at.Weekday() != time.Monday && (at.Day() == 1 || at.Day() == 15) },
			}},
		{"quarter_hours", "@every 15m", func(at time.Time) bool { return at.Unix()%(15*60) == 0 }, nil},
		{"seconds", "*/20 * * * * *", func(at time.Time) bool { return at.Second()%20 == 0 }, nil},
		{"berlin_morning", "TZ=Europe/Berlin 0 0 7 * * *", func(at time.Time) bool {
			berlin, _ := time.LoadLocation("Europe/Berlin")
			local := at.In(berlin)
			return local.Hour() == 7 && local.Minute() == 0 && local.Second() == 0
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Disabled: Temporal computes the times all the same.
			if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: tt.name, CronExpression: tt.expr}); err != nil {
				t.Fatal(err)
			}
			desc, err := fx.describe(t, flow, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			var times []time.Time
			for _, ts := range desc.GetInfo().GetFutureActionTimes() {
				times = append(times, ts.AsTime().UTC())
			}
			if len(times) < 5 {
				t.Fatalf("future fires %v", times)
			}
			for _, at := range times {
				if !tt.fires(at) {
					t.Errorf("%s fires at %v", tt.expr, at)
				}
			}
			for i, also := range tt.also {
				if !slices.ContainsFunc(times, also) {
					t.Errorf("%s: no fire among %v passes check %d", tt.expr, times, i)
				}
			}
		})
	}
}
