package schedules_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/schedules"
)

// fireName is how a fire names its execution.
var fireName = regexp.MustCompile(`^hourly-\d{8}T\d{6}Z-[0-9a-f]{8}$`)

// TestFire: a fire starts an execution through the start path, under a name
// of its own, with the payload as input and the flow's definition as it is
// at the fire; two fires in a row start two executions.
func TestFire(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: "hourly", CronExpression: "@yearly", Payload: json.RawMessage(`{"n":12345678901234567890}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	// Changed after the schedule was made: the fire runs this one.
	if _, err := fx.flows.Update(ctx, flow, flowstore.Change{Definition: versioned(2)}); err != nil {
		t.Fatal(err)
	}
	// Temporal starts one fire for triggers in the same second while the
	// first runs; once it is done, a second trigger in that second is a fire
	// of its own, which must not reuse the first one's execution name.
	fx.trigger(t, flow, "hourly")
	fx.executionsOf(t, flow, 1)
	testenv.Eventually(t, "the first fire to end", 30*time.Second, func() error {
		desc, err := fx.describe(t, flow, "hourly")
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
	fx.trigger(t, flow, "hourly")
	ran := fx.executionsOf(t, flow, 2)
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

// -update records a fire's history into testdata/histories for
// TestReplayRecordedHistories.
var update = flag.Bool("update", false, "record a fire's history into testdata/histories")

// TestRecordHistory fires a schedule and, with -update, keeps the fire's
// history.
func TestRecordHistory(t *testing.T) {
	fx := start(t)
	ctx := testContext(t)
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: "s", CronExpression: "@yearly", Payload: json.RawMessage(`{"n":1}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	fx.trigger(t, flow, "s")
	var fireID string
	testenv.Eventually(t, "the fire", 30*time.Second, func() error {
		desc, err := fx.describe(t, flow, "s")
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
	flow := testenv.ResourceName(t, "")
	fx.createFlow(t, flow)
	if _, err := fx.schedules.Create(ctx, schedules.Schedule{Flow: flow, Name: "s", CronExpression: "* * * * * *", Payload: json.RawMessage(`{"n":7}`), Enable: true}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "a fire of its own", 30*time.Second, func() error {
		page, err := fx.executions.List(ctx, flow, executions.Filter{Status: executions.Succeeded}, 10, nil)
		if err != nil {
			return err
		}
		if len(page.Executions) == 0 {
			return errors.New("no execution yet")
		}
		return nil
	})
	if err := fx.schedules.Delete(ctx, flow, "s"); err != nil {
		t.Fatal(err)
	}
}
