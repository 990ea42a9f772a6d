package flowstore_test

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/devserver"
	"github.com/fnflow/fnflow/flowstore"
)

const taskQueue = "flowstore-test"

var temporalClient client.Client

// TestMain runs one embedded Temporal server and one worker for the package.
func TestMain(m *testing.M) {
	os.Exit(runWithServer(m))
}

func runWithServer(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fnflow-flowstore-test")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := devserver.Start(context.Background(), devserver.Options{DataDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	temporalClient, err = client.Dial(client.Options{
		HostPort:  srv.FrontendAddress(),
		Namespace: srv.Namespace(),
		Logger:    temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer temporalClient.Close()
	w := sdkworker.New(temporalClient, taskQueue, sdkworker.Options{})
	flowstore.Register(w)
	if err := w.Start(); err != nil {
		log.Fatal(err)
	}
	defer w.Stop()
	return m.Run()
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLifecycle(t *testing.T) {
	ctx := testContext(t)
	store := flowstore.New(temporalClient, taskQueue)
	created, err := store.Create(ctx, flowstore.Flow{Name: "lifecycle", Definition: "v1", Description: "first", Type: "FDL", ExecutionMode: "Standard"})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.CreatedTime.IsZero() || !created.LastModifiedTime.Equal(created.CreatedTime) {
		t.Errorf("created %+v", created)
	}
	if _, err := store.Create(ctx, flowstore.Flow{Name: "lifecycle", Definition: "other"}); !errors.Is(err, flowstore.ErrFlowExists) {
		t.Errorf("second create: want ErrFlowExists, got %v", err)
	}
	got, err := store.Get(ctx, "lifecycle")
	if err != nil || got != created {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, created)
	}

	updated, err := store.Update(ctx, "lifecycle", flowstore.Change{Definition: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Definition != "v2" || updated.Description != "first" || updated.ID != created.ID || !updated.LastModifiedTime.After(created.CreatedTime) {
		t.Errorf("updated %+v", updated)
	}
	// Get reads the memo the update mirrored.
	if got, err := store.Get(ctx, "lifecycle"); err != nil || got != updated {
		t.Errorf("get after update\n got %+v, %v\nwant %+v", got, err, updated)
	}

	if err := store.Delete(ctx, "lifecycle"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "lifecycle"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("get after delete: want ErrFlowNotFound, got %v", err)
	}
	if _, err := store.Update(ctx, "lifecycle", flowstore.Change{Definition: "v3"}); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("update after delete: want ErrFlowNotFound, got %v", err)
	}
	if err := store.Delete(ctx, "lifecycle"); !errors.Is(err, flowstore.ErrFlowNotFound) {
		t.Errorf("second delete: want ErrFlowNotFound, got %v", err)
	}
	again, err := store.Create(ctx, flowstore.Flow{Name: "lifecycle", Definition: "v1"})
	if err != nil || again.ID == created.ID {
		t.Errorf("create after delete: %+v, %v (old ID %s)", again, err, created.ID)
	}
}

func TestNeverCreated(t *testing.T) {
	ctx := testContext(t)
	store := flowstore.New(temporalClient, taskQueue)
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
	ctx := testContext(t)
	store := flowstore.New(temporalClient, "no-worker-here")
	created, err := store.Create(ctx, flowstore.Flow{Name: "unattended", Definition: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := store.Get(ctx, "unattended"); err != nil || got != created {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, created)
	}
	if err := temporalClient.TerminateWorkflow(ctx, flowstore.WorkflowID("unattended"), "", "test cleanup"); err != nil {
		t.Fatal(err)
	}
}

func TestPut(t *testing.T) {
	ctx := testContext(t)
	store := flowstore.New(temporalClient, taskQueue)
	first, err := store.Put(ctx, flowstore.Flow{Name: "put", Definition: "v1", Type: "FDL"})
	if err != nil {
		t.Fatal(err)
	}
	same, err := store.Put(ctx, flowstore.Flow{Name: "put", Definition: "v1", Type: "FDL"})
	if err != nil || same != first {
		t.Errorf("putting the same flow again changed it:\n got %+v, %v\nwant %+v", same, err, first)
	}
	changed, err := store.Put(ctx, flowstore.Flow{Name: "put", Definition: "v2", Type: "FDL"})
	if err != nil || changed.Definition != "v2" || changed.ID != first.ID || !changed.LastModifiedTime.After(first.LastModifiedTime) {
		t.Errorf("put v2: %+v, %v", changed, err)
	}
}

func TestList(t *testing.T) {
	ctx := testContext(t)
	store := flowstore.New(temporalClient, taskQueue)
	names := []string{"list_a", "list_b", "list_c"}
	for _, name := range names {
		if _, err := store.Create(ctx, flowstore.Flow{Name: name, Definition: "v1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Delete(ctx, "list_b"); err != nil {
		t.Fatal(err)
	}
	// Visibility is eventually consistent: page through until it shows
	// list_a and list_c and no more list_b.
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
		if seen["list_a"] && seen["list_c"] && !seen["list_b"] && pages >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !seen["list_a"] || !seen["list_c"] || seen["list_b"] {
		t.Errorf("listed %v", seen)
	}
	if _, _, err := store.List(ctx, "not a token!", 10); !errors.Is(err, flowstore.ErrBadNextToken) {
		t.Errorf("bad token: %v", err)
	}
}
