package schedules_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/schedules"
	"github.com/fnflow/fnflow/worker"
)

const taskQueue = "schedules-test"

// fixture is what the tests share: the embedded server with a worker that
// runs flows, executions and fires on taskQueue.
type fixture struct {
	env        *testenv.Env
	flows      *flowstore.Store
	executions *executions.Service
	schedules  *schedules.Service
}

var (
	fixtureOnce sync.Once
	shared      *fixture
	fixtureErr  error
)

func start(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the embedded Temporal server")
	}
	env := testenv.Start(t)
	fixtureOnce.Do(func() {
		w := worker.New(env.Client, worker.Config{Namespace: env.Namespace, TaskQueue: taskQueue, Tokens: env.Signer, Logger: env.Logger})
		if fixtureErr = w.Start(); fixtureErr != nil {
			return
		}
		testenv.OnStop(w.Stop)
		flows := flowstore.New(env.Client, taskQueue)
		shared = &fixture{
			env:        env,
			flows:      flows,
			executions: executions.New(env.Client, env.Namespace, taskQueue, flows),
			schedules:  schedules.New(env.Client, env.Namespace, taskQueue, flows),
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return shared
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// versioned is a flow whose output says which definition ran and what
// input it had.
func versioned(version int) string {
	return fmt.Sprintf("version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\noutputMappings:\n  - target: version\n    source: %d\n  - target: n\n    source: $input.n\n", version)
}

func (fx *fixture) createFlow(t *testing.T, name string) flowstore.Flow {
	t.Helper()
	f, err := fx.flows.Create(testContext(t), flowstore.Flow{Name: name, Definition: versioned(1), Type: "FDL"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// describe is the schedule as Temporal has it.
func (fx *fixture) describe(t *testing.T, flow, name string) (*workflowservice.DescribeScheduleResponse, error) {
	t.Helper()
	return fx.env.Client.WorkflowService().DescribeSchedule(testContext(t), &workflowservice.DescribeScheduleRequest{
		Namespace: fx.env.Namespace, ScheduleId: schedules.ScheduleID(flow, name),
	})
}

func (fx *fixture) trigger(t *testing.T, flow, name string) {
	t.Helper()
	if err := fx.env.Client.ScheduleClient().GetHandle(testContext(t), schedules.ScheduleID(flow, name)).Trigger(testContext(t), client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
}

// executionsOf waits for want executions of flow and returns them ended.
func (fx *fixture) executionsOf(t *testing.T, flow string, want int) []executions.Execution {
	t.Helper()
	ctx := testContext(t)
	var page executions.Page
	testenv.Eventually(t, fmt.Sprintf("%d executions of %s", want, flow), 30*time.Second, func() error {
		var err error
		if page, err = fx.executions.List(ctx, flow, executions.Filter{Status: executions.Succeeded}, 100, nil); err != nil {
			return err
		}
		if len(page.Executions) != want {
			return fmt.Errorf("%d succeeded", len(page.Executions))
		}
		return nil
	})
	var ended []executions.Execution
	for _, e := range page.Executions {
		full, err := fx.executions.Describe(ctx, flow, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		ended = append(ended, full)
	}
	return ended
}

func TestLifecycle(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "lifecycle")
	s := fx.schedules

	created, err := s.Create(ctx, schedules.Schedule{
		Flow: "lifecycle", Name: "weekday_mornings", Description: "first",
		CronExpression: "CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI", Payload: json.RawMessage(`{"n":1}`), Enable: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.CreatedTime.IsZero() || !created.LastModifiedTime.Equal(created.CreatedTime) {
		t.Errorf("created %+v", created)
	}
	got, err := s.Get(ctx, "lifecycle", "weekday_mornings")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.Description != "first" || string(got.Payload) != `{"n":1}` || !got.Enable ||
		got.CronExpression != "CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI" || !got.CreatedTime.Equal(created.CreatedTime) {
		t.Errorf("Get = %+v, want %+v", got, created)
	}

	// Temporal fires it at 08:30 Shanghai time (00:30 UTC) on weekdays.
	desc, err := fx.describe(t, "lifecycle", "weekday_mornings")
	if err != nil {
		t.Fatal(err)
	}
	next := desc.GetInfo().GetFutureActionTimes()
	if len(next) == 0 {
		t.Fatal("no future action times")
	}
	for _, ts := range next {
		at := ts.AsTime().UTC()
		if at.Hour() != 0 || at.Minute() != 30 || at.Second() != 0 || at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
			t.Errorf("fires at %v", at)
		}
	}
	if desc.GetSchedule().GetState().GetPaused() {
		t.Error("an enabled schedule is paused")
	}

	if _, err := s.Create(ctx, schedules.Schedule{Flow: "lifecycle", Name: "weekday_mornings", CronExpression: "@daily"}); !errors.Is(err, schedules.ErrExists) {
		t.Errorf("creating it again: %v, want ErrExists", err)
	}
	if _, err := s.Create(ctx, schedules.Schedule{Flow: "no_such_flow", Name: "s", CronExpression: "@daily"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("a schedule of no flow: %v, want flowstore.ErrFlowNotFound", err)
	}

	off := false
	updated, err := s.Update(ctx, "lifecycle", "weekday_mornings", schedules.Change{Description: "second", CronExpression: "@every 5m", Enable: &off})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Description != "second" || updated.CronExpression != "@every 5m" || updated.Enable || string(updated.Payload) != `{"n":1}` ||
		updated.ID != created.ID || !updated.LastModifiedTime.After(created.LastModifiedTime) {
		t.Errorf("updated %+v", updated)
	}
	desc, err = fx.describe(t, "lifecycle", "weekday_mornings")
	if err != nil {
		t.Fatal(err)
	}
	if !desc.GetSchedule().GetState().GetPaused() || len(desc.GetSchedule().GetSpec().GetInterval()) != 1 {
		t.Errorf("Temporal has %v", desc.GetSchedule())
	}
	same, err := s.Update(ctx, "lifecycle", "weekday_mornings", schedules.Change{Description: "second"})
	if err != nil || !same.LastModifiedTime.Equal(updated.LastModifiedTime) {
		t.Errorf("a change that changes nothing: %+v, %v", same, err)
	}
	var cronErr *schedules.CronError
	if _, err := s.Update(ctx, "lifecycle", "weekday_mornings", schedules.Change{CronExpression: "0 * * * *"}); !errors.As(err, &cronErr) {
		t.Errorf("updating to a bad expression: %v, want a CronError", err)
	}

	if err := s.Delete(ctx, "lifecycle", "weekday_mornings"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "lifecycle", "weekday_mornings"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "lifecycle", "weekday_mornings"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("deleting again: %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, "lifecycle", "weekday_mornings", schedules.Change{Description: "third"}); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("updating a deleted schedule: %v, want ErrNotFound", err)
	}
	// The name is free again.
	if _, err := s.Create(ctx, schedules.Schedule{Flow: "lifecycle", Name: "weekday_mornings", CronExpression: "@hourly"}); err != nil {
		t.Errorf("creating it after the delete: %v", err)
	}
}

// TestBadExpressionReadsNothing: a bad expression is refused before the
// flow or Temporal is asked (the service has neither here).
func TestBadExpressionReadsNothing(t *testing.T) {
	s := schedules.New(nil, "", "", nil)
	var cronErr *schedules.CronError
	if _, err := s.Create(context.Background(), schedules.Schedule{Flow: "f", Name: "s", CronExpression: "61 * * * * *"}); !errors.As(err, &cronErr) {
		t.Errorf("Create: %v, want a CronError", err)
	}
	if _, err := s.Update(context.Background(), "f", "s", schedules.Change{CronExpression: "@every 10s"}); !errors.As(err, &cronErr) {
		t.Errorf("Update: %v, want a CronError", err)
	}
}

// fireName is how a fire names its execution.
var fireName = regexp.MustCompile(`^hourly-\d{8}T\d{6}Z-[0-9a-f]{8}$`)

// TestFire: a fire starts an execution through the start path, under a name
// of its own, with the payload as input and the flow's definition as it is
// at the fire; two fires in a row start two executions.
func TestFire(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "fired")
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "fired", Name: "hourly", CronExpression: "@yearly", Payload: json.RawMessage(`{"n":12345678901234567890}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	// Changed after the schedule was made: the fire runs this one.
	if _, err := fx.flows.Update(ctx, "fired", flowstore.Change{Definition: versioned(2)}); err != nil {
		t.Fatal(err)
	}
	// Temporal starts one fire for triggers in the same second while the
	// first runs; once it is done, a second trigger in that second is a fire
	// of its own, which must not reuse the first one's execution name.
	fx.trigger(t, "fired", "hourly")
	fx.executionsOf(t, "fired", 1)
	testenv.Eventually(t, "the first fire to end", 30*time.Second, func() error {
		desc, err := fx.describe(t, "fired", "hourly")
		if err != nil {
			return err
		}
		for _, action := range desc.GetInfo().GetRecentActions() {
			run := action.GetStartWorkflowResult()
			var result struct{ Execution string }
			if err := fx.env.Client.GetWorkflow(ctx, run.GetWorkflowId(), run.GetRunId()).Get(ctx, &result); err != nil {
				return err
			}
		}
		return nil
	})
	fx.trigger(t, "fired", "hourly")
	ran := fx.executionsOf(t, "fired", 2)
	if ran[0].Name == ran[1].Name {
		t.Errorf("two fires, one name: %s", ran[0].Name)
	}
	for _, e := range ran {
		if !fireName.MatchString(e.Name) || len(e.Name) > 128 {
			t.Errorf("execution name %q", e.Name)
		}
		if string(e.Input) != `{"n":12345678901234567890}` || string(e.Output) != `{"n":12345678901234567890,"version":2}` || e.Definition != versioned(2) {
			t.Errorf("execution %s: input %s, output %s, definition %q", e.Name, e.Input, e.Output, e.Definition)
		}
	}
}

// TestPausedSchedule: Enable false pauses the Temporal schedule; enabling
// it again resumes it.
func TestPausedSchedule(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "paused")
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "paused", Name: "s", CronExpression: "0 * * * * *"}); err != nil {
		t.Fatal(err)
	}
	desc, err := fx.describe(t, "paused", "s")
	if err != nil || !desc.GetSchedule().GetState().GetPaused() {
		t.Fatalf("created with Enable false: %v, %v", desc.GetSchedule().GetState(), err)
	}
	on := true
	if _, err := fx.schedules.Update(ctx, "paused", "s", schedules.Change{Enable: &on}); err != nil {
		t.Fatal(err)
	}
	desc, err = fx.describe(t, "paused", "s")
	if err != nil || desc.GetSchedule().GetState().GetPaused() {
		t.Fatalf("enabled: %v, %v", desc.GetSchedule().GetState(), err)
	}
}

// TestList: a flow's schedules, a page at a time, and none of another
// flow's, also not of a flow whose name differs in case only.
func TestList(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "lister")
	fx.createFlow(t, "LISTER")
	for _, name := range []string{"a", "b", "c"} {
		if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "lister", Name: name, CronExpression: "@daily", Description: "of lister"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "LISTER", Name: "d", CronExpression: "@daily"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the schedules of lister, one a page", 20*time.Second, func() error {
		var names []string
		var token []byte
		for {
			page, next, err := fx.schedules.List(ctx, "lister", token, 1)
			if err != nil {
				return err
			}
			if len(page) > 1 {
				return fmt.Errorf("a page of %d", len(page))
			}
			for _, sch := range page {
				if sch.Description != "of lister" || sch.Flow != "lister" {
					return fmt.Errorf("listed %+v", sch)
				}
				names = append(names, sch.Name)
			}
			if token = next; len(token) == 0 {
				break
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"a", "b", "c"}) {
			return fmt.Errorf("listed %v", names)
		}
		return nil
	})
	if _, _, err := fx.schedules.List(ctx, "no_such_flow", nil, 10); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("listing no flow's schedules: %v, want flowstore.ErrFlowNotFound", err)
	}
}

// TestDeletedFlow: a deleted flow's schedules go with it. A flow created
// again under the name has none of them; creating one of the same name
// replaces the old, and an old one that fires deletes itself and starts
// nothing.
func TestDeletedFlow(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "doomed")
	for _, name := range []string{"kept", "left"} {
		if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "doomed", Name: name, CronExpression: "@yearly", Enable: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fx.flows.Delete(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.schedules.Get(ctx, "doomed", "kept"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("a schedule of a deleted flow: %v, want flowstore.ErrFlowNotFound", err)
	}
	fx.createFlow(t, "doomed")
	if _, err := fx.schedules.Get(ctx, "doomed", "kept"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("the old flow's schedule in the new flow: %v, want ErrNotFound", err)
	}
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "doomed", Name: "kept", CronExpression: "@monthly", Enable: true}); err != nil {
		t.Fatalf("creating over the old flow's schedule: %v", err)
	}
	if got, err := fx.schedules.Get(ctx, "doomed", "kept"); err != nil || got.CronExpression != "@monthly" {
		t.Errorf("the new schedule: %+v, %v", got, err)
	}

	fx.trigger(t, "doomed", "left")
	testenv.Eventually(t, "the old flow's schedule deleting itself", 30*time.Second, func() error {
		_, err := fx.describe(t, "doomed", "left")
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	if page, err := fx.executions.List(ctx, "doomed", executions.Filter{}, 10, nil); err != nil || len(page.Executions) != 0 {
		t.Errorf("the old schedule's fire started %v, %v", page.Executions, err)
	}
	if _, err := fx.schedules.Get(ctx, "doomed", "kept"); err != nil {
		t.Errorf("the new flow's schedule after the old one's fire: %v", err)
	}
}

// -update records a fire's history into testdata/histories for
// TestReplayRecordedHistories.
var update = flag.Bool("update", false, "record a fire's history into testdata/histories")

// TestRecordHistory fires a schedule and, with -update, keeps the fire's
// history.
func TestRecordHistory(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "recorded")
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "recorded", Name: "s", CronExpression: "@yearly", Payload: json.RawMessage(`{"n":1}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	fx.trigger(t, "recorded", "s")
	var fireID string
	testenv.Eventually(t, "the fire", 30*time.Second, func() error {
		desc, err := fx.describe(t, "recorded", "s")
		if err != nil {
			return err
		}
		actions := desc.GetInfo().GetRecentActions()
		if len(actions) != 1 {
			return fmt.Errorf("%d actions", len(actions))
		}
		fireID = actions[0].GetStartWorkflowResult().GetWorkflowId()
		return nil
	})
	var result struct{ Execution string }
	if err := fx.env.Client.GetWorkflow(ctx, fireID, "").Get(ctx, &result); err != nil || !regexp.MustCompile(`^s-\d{8}T\d{6}Z-[0-9a-f]{8}$`).MatchString(result.Execution) {
		t.Fatalf("the fire %s ended with %+v, %v", fireID, result, err)
	}
	if !*update {
		return
	}
	testenv.RecordHistory(t, fx.env.Client, fireID, "", filepath.Join("testdata", "histories", "fire.json"))
}

// TestReplayRecordedHistories replays the recorded fires. A change to the
// fire workflow that would break the fires under way fails here; guard it
// with workflow.GetVersion and record a new history beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories", "*.json"), "go test ./schedules -run RecordHistory -update", schedules.RegisterWorkflows)
}

// TestEverySecondFires: a six-field expression fires by itself, seconds
// field and all, without a trigger.
func TestEverySecondFires(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "every_second")
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "every_second", Name: "s", CronExpression: "* * * * * *", Payload: json.RawMessage(`{"n":7}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "a fire of its own", 30*time.Second, func() error {
		page, err := fx.executions.List(ctx, "every_second", executions.Filter{Status: executions.Succeeded}, 10, nil)
		if err != nil {
			return err
		}
		if len(page.Executions) == 0 {
			return errors.New("no execution yet")
		}
		return nil
	})
	if err := fx.schedules.Delete(ctx, "every_second", "s"); err != nil {
		t.Fatal(err)
	}
}

// TestSpecsFireAsDocumented: the times Temporal says it will fire the
// translated spec at are the ones the dialect means.
func TestSpecsFireAsDocumented(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	fx.createFlow(t, "specs")
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
			if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: "specs", Name: tt.name, CronExpression: tt.expr}); err != nil {
				t.Fatal(err)
			}
			desc, err := fx.describe(t, "specs", tt.name)
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
