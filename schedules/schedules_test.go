package schedules_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	s := fx.schedules

	created, err := s.Create(ctx, schedules.Schedule{
		Flow: flow, Name: "weekday_mornings", Description: "first",
		CronExpression: "CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI", Payload: json.RawMessage(`{"n":1}`), Enable: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.CreatedTime.IsZero() || !created.LastModifiedTime.Equal(created.CreatedTime) {
		t.Errorf("created %+v", created)
	}
	got, err := s.Get(ctx, flow, "weekday_mornings")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.Description != "first" || string(got.Payload) != `{"n":1}` || !got.Enable ||
		got.CronExpression != "CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI" || !got.CreatedTime.Equal(created.CreatedTime) {
		t.Errorf("Get = %+v, want %+v", got, created)
	}

	// Temporal fires it at 08:30 Shanghai time (00:30 UTC) on weekdays.
	desc, err := fx.describe(t, flow, "weekday_mornings")
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

	if _, err := s.Create(ctx, schedules.Schedule{Flow: flow, Name: "weekday_mornings", CronExpression: "@daily"}); !errors.Is(err, schedules.ErrExists) {
		t.Errorf("creating it again: %v, want ErrExists", err)
	}
	if _, err := s.Create(ctx, schedules.Schedule{Flow: "no_such_flow", Name: "s", CronExpression: "@daily"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("a schedule of no flow: %v, want flowstore.ErrFlowNotFound", err)
	}

	off := false
	updated, err := s.Update(ctx, flow, "weekday_mornings", schedules.Change{Description: "second", CronExpression: "@every 5m", Enable: &off})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Description != "second" || updated.CronExpression != "@every 5m" || updated.Enable || string(updated.Payload) != `{"n":1}` ||
		updated.ID != created.ID || !updated.LastModifiedTime.After(created.LastModifiedTime) {
		t.Errorf("updated %+v", updated)
	}
	desc, err = fx.describe(t, flow, "weekday_mornings")
	if err != nil {
		t.Fatal(err)
	}
	if !desc.GetSchedule().GetState().GetPaused() || len(desc.GetSchedule().GetSpec().GetInterval()) != 1 {
		t.Errorf("Temporal has %v", desc.GetSchedule())
	}
	same, err := s.Update(ctx, flow, "weekday_mornings", schedules.Change{Description: "second"})
	if err != nil || !same.LastModifiedTime.Equal(updated.LastModifiedTime) {
		t.Errorf("a change that changes nothing: %+v, %v", same, err)
	}
	var cronErr *schedules.CronError
	if _, err := s.Update(ctx, flow, "weekday_mornings", schedules.Change{CronExpression: "0 * * * *"}); !errors.As(err, &cronErr) {
		t.Errorf("updating to a bad expression: %v, want a CronError", err)
	}

	if err := s.Delete(ctx, flow, "weekday_mornings"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, flow, "weekday_mornings"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, flow, "weekday_mornings"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("deleting again: %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, flow, "weekday_mornings", schedules.Change{Description: "third"}); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("updating a deleted schedule: %v, want ErrNotFound", err)
	}
	// The name is free again.
	if _, err := s.Create(ctx, schedules.Schedule{Flow: flow, Name: "weekday_mornings", CronExpression: "@hourly"}); err != nil {
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

// TestList: a flow's schedules, a page at a time, and none of another
// flow's, also not of a flow whose name differs in case only.
func TestList(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	fx.createFlow(t, strings.ToUpper(flow))
	for _, name := range []string{"a", "b", "c"} {
		if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: name, CronExpression: "@daily", Description: "of lister"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: strings.ToUpper(flow), Name: "d", CronExpression: "@daily"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the schedules of lister, one a page", 20*time.Second, func() error {
		var names []string
		var token []byte
		for {
			page, next, err := fx.schedules.List(ctx, flow, token, 1)
			if err != nil {
				return err
			}
			if len(page) > 1 {
				return fmt.Errorf("a page of %d", len(page))
			}
			for _, sch := range page {
				if sch.Description != "of lister" || sch.Flow != flow {
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
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	for _, name := range []string{"kept", "left"} {
		if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: name, CronExpression: "@yearly", Enable: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fx.flows.Delete(ctx, flow); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.schedules.Get(ctx, flow, "kept"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("a schedule of a deleted flow: %v, want flowstore.ErrFlowNotFound", err)
	}
	fx.createFlow(t, flow)
	if _, err := fx.schedules.Get(ctx, flow, "kept"); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("the old flow's schedule in the new flow: %v, want ErrNotFound", err)
	}
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: "kept", CronExpression: "@monthly", Enable: true}); err != nil {
		t.Fatalf("creating over the old flow's schedule: %v", err)
	}
	if got, err := fx.schedules.Get(ctx, flow, "kept"); err != nil || got.CronExpression != "@monthly" {
		t.Errorf("the new schedule: %+v, %v", got, err)
	}

	fx.trigger(t, flow, "left")
	testenv.Eventually(t, "the old flow's schedule deleting itself", 30*time.Second, func() error {
		_, err := fx.describe(t, flow, "left")
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	if page, err := fx.executions.List(ctx, flow, executions.Filter{}, 10, nil); err != nil || len(page.Executions) != 0 {
		t.Errorf("the old schedule's fire started %v, %v", page.Executions, err)
	}
	if _, err := fx.schedules.Get(ctx, flow, "kept"); err != nil {
		t.Errorf("the new flow's schedule after the old one's fire: %v", err)
	}
}
