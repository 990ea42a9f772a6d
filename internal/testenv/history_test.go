package testenv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func greet(ctx workflow.Context, name string) (string, error) {
	if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
		return "", err
	}
	return "hello " + name, nil
}

// TestRecordAndReplay records a run into a directory that does not exist
// yet and replays it: the packages' replay tests only record with -update,
// so without this test the recording half would go untried.
func TestRecordAndReplay(t *testing.T) {
	env := testenv.Start(t)
	const taskQueue = "testenv-history"
	w := worker.New(env.Client, taskQueue, worker.Options{})
	register := func(r worker.WorkflowRegistry) {
		r.RegisterWorkflowWithOptions(greet, workflow.RegisterOptions{Name: "greet"})
	}
	register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := env.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, "greet", "you")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello you" {
		t.Fatalf("the workflow returned %q, %v", got, err)
	}
	dir := filepath.Join(t.TempDir(), "histories")
	testenv.RecordHistory(t, env.Client, run.GetID(), run.GetRunID(), filepath.Join(dir, "greet.json"))
	if _, err := os.Stat(filepath.Join(dir, "greet.json")); err != nil {
		t.Fatal(err)
	}
	testenv.ReplayHistories(t, filepath.Join(dir, "*.json"), "this test records it", register)
}

func TestEventually(t *testing.T) {
	calls := 0
	testenv.Eventually(t, "the third call", 10*time.Second, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if calls != 3 {
		t.Errorf("check called %d times, want 3", calls)
	}
}
