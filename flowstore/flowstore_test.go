package flowstore_test

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
)

const taskQueue = "flowstore-test"

// TestMain stops the embedded server and the worker the tests started.
func TestMain(m *testing.M) { testenv.Main(m) }

var (
	workerOnce sync.Once
	workerErr  error
)

// integration returns a client of the shared embedded Temporal server with
// the package's worker running on taskQueue, starting both on first use.
func integration(t *testing.T) client.Client {
	t.Helper()
	c := testenv.Start(t).Client
	workerOnce.Do(func() {
		w := sdkworker.New(c, taskQueue, sdkworker.Options{})
		flowstore.Register(w)
		if workerErr = w.Start(); workerErr == nil {
			testenv.OnStop(w.Stop)
		}
	})
	if workerErr != nil {
		t.Fatal(workerErr)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLifecycle(t *testing.T) {
	c := integration(t)
	ctx := testContext(t)
	store := flowstore.New(c, taskQueue)
	name := testenv.ResourceName(t, "")
	created, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1", Description: "first", Type: "FDL", ExecutionMode: "Standard"})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.CreatedTime.IsZero() || !created.LastModifiedTime.Equal(created.CreatedTime) {
		t.Errorf("created %+v", created)
	}
	if _, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "other"}); !errors.Is(err, flowstore.ErrFlowExists) {
		t.Errorf("second create: want ErrFlowExists, got %v", err)
	}
	got, err := store.Get(ctx, name)
	if err != nil || got != created {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, created)
	}

	updated, err := store.Update(ctx, name, flowstore.Change{Definition: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Definition != "v2" || updated.Description != "first" || updated.ID != created.ID || !updated.LastModifiedTime.After(created.CreatedTime) {
		t.Errorf("updated %+v", updated)
	}
	// Get reads the memo the update mirrored.
	if got, err := store.Get(ctx, name); err != nil || got != updated {
		t.Errorf("get after update\n got %+v, %v\nwant %+v", got, err, updated)
	}

	if err := store.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, name); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("get after delete: want ErrFlowNotFound, got %v", err)
	}
	if _, err := store.Update(ctx, name, flowstore.Change{Definition: "v3"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("update after delete: want ErrFlowNotFound, got %v", err)
	}
	if err := store.Delete(ctx, name); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("second delete: want ErrFlowNotFound, got %v", err)
	}
	again, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1"})
	if err != nil || again.ID == created.ID {
		t.Errorf("create after delete: %+v, %v (old ID %s)", again, err, created.ID)
	}
}

func TestNeverCreated(t *testing.T) {
	c := integration(t)
	ctx := testContext(t)
	store := flowstore.New(c, taskQueue)
	if _, err := store.Get(ctx, "never"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := store.Update(ctx, "never", flowstore.Change{Definition: "x"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("update: %v", err)
	}
	if err := store.Delete(ctx, "never"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("delete: %v", err)
	}
	if _, err := store.Create(ctx, flowstore.Flow{Name: "a/b"}); err == nil {
		t.Error(`a name with "/" must be refused`)
	}
}

// Reads come from Temporal alone: a store whose task queue no worker polls
// creates and reads flows all the same.
func TestReadsNeedNoWorker(t *testing.T) {
	c := testenv.Start(t).Client
	ctx := testContext(t)
	store := flowstore.New(c, "no-worker-here")
	name := testenv.ResourceName(t, "")
	created, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := store.Get(ctx, name); err != nil || got != created {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, created)
	}
	if err := c.TerminateWorkflow(ctx, flowstore.WorkflowID(name), "", "test cleanup"); err != nil {
		t.Fatal(err)
	}
}

func TestPut(t *testing.T) {
	c := integration(t)
	ctx := testContext(t)
	store := flowstore.New(c, taskQueue)
	name := testenv.ResourceName(t, "")
	first, err := store.Put(ctx, flowstore.Flow{Name: name, Definition: "v1", Type: "FDL"})
	if err != nil {
		t.Fatal(err)
	}
	same, err := store.Put(ctx, flowstore.Flow{Name: name, Definition: "v1", Type: "FDL"})
	if err != nil || same != first {
		t.Errorf("putting the same flow again changed it:\n got %+v, %v\nwant %+v", same, err, first)
	}
	changed, err := store.Put(ctx, flowstore.Flow{Name: name, Definition: "v2", Type: "FDL"})
	if err != nil || changed.Definition != "v2" || changed.ID != first.ID || !changed.LastModifiedTime.After(first.LastModifiedTime) {
		t.Errorf("put v2: %+v, %v", changed, err)
	}
}

func TestList(t *testing.T) {
	c := integration(t)
	ctx := testContext(t)
	store := flowstore.New(c, taskQueue)
	run := testenv.ResourceName(t, "-")
	listA, listB, listC := run+"a", run+"b", run+"c"
	for _, name := range []string{listA, listB, listC} {
		if _, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Delete(ctx, listB); err != nil {
		t.Fatal(err)
	}
	// Visibility is eventually consistent: page through until it shows
	// listA and listC and no more listB.
	var seen map[string]bool
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		seen = map[string]bool{}
		next, pages := "", 0
		for {
			flows, token, err := store.List(ctx, next, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(flows) > 1 {
				t.Fatalf("limit 1 gave %d flows", len(flows))
			}
			for _, f := range flows {
				seen[f.Name] = true
			}
			pages++
			if next = token; next == "" {
				break
			}
		}
		if seen[listA] && seen[listC] && !seen[listB] && pages >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !seen[listA] || !seen[listC] || seen[listB] {
		t.Errorf("listed %v", seen)
	}
	if _, _, err := store.List(ctx, "not a token!", 10); !errors.Is(err, flowstore.ErrBadNextToken) {
		t.Errorf("bad token: %v", err)
	}
}

// -update records the history of TestRecordHistory's flow into
// testdata/histories for TestReplayRecordedHistories.
var update = flag.Bool("update", false, "record a flow workflow's history into testdata/histories")

// TestRecordHistory runs a flow through create, a change, a change that
// changes nothing and a delete, and with -update keeps its history.
func TestRecordHistory(t *testing.T) {
	c := integration(t)
	ctx := testContext(t)
	store := flowstore.New(c, taskQueue)
	name := testenv.ResourceName(t, "")
	if _, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1", Type: "FDL"}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, flowstore.WorkflowID(name), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range []flowstore.Change{{Definition: "v2"}, {Definition: "v2"}} {
		if _, err := store.Update(ctx, name, change); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if !*update {
		return
	}
	testenv.RecordHistory(t, c, flowstore.WorkflowID(name), desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), filepath.Join("testdata", "histories", "flow_lifecycle.json"))
}

// TestReplayRecordedHistories replays the recorded flow histories. A change to
// the flow workflow that would break the flows already stored fails here;
// guard such a change with workflow.GetVersion and record a new history
// beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories", "*.json"), "go test ./flowstore -run RecordHistory -update", flowstore.Register)
}
