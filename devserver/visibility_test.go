package devserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// listed waits until a listing of the server's namespace by query shows the
// run, and only it.
func listed(t *testing.T, c client.Client, s *Server, query string, run client.WorkflowRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.Namespace(),
			Query:     query,
		})
		if err != nil {
			t.Fatalf("listing %s: %v", query, err)
		}
		if len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetRunId() == run.GetRunID() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never showed in the listing %s: %v", run.GetID(), query, resp.GetExecutions())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func byID(run client.WorkflowRun) string {
	return `WorkflowId = "` + run.GetID() + `"`
}

func stopServer(t *testing.T, s *Server, c client.Client) {
	t.Helper()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A new data directory keeps visibility in a file of its own, and what was
// listed before a restart is listed after it.
func TestVisibilityInItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Options{DataDir: dir})
	c := newClient(t, s)
	run := startSteps(t, c, 1)
	listed(t, c, s, byID(run), run)
	stopServer(t, s, c)
	checkWAL(t, filepath.Join(dir, visibilityFile))

	s = startServer(t, Options{DataDir: dir})
	c = newClient(t, s)
	listed(t, c, s, byID(run), run)
}

// A data directory made when visibility shared temporal.db (no
// visibility.db) goes on listing its executions from there after an
// upgrade: no visibility.db is made for it.
func TestVisibilityOfAnOlderDataDirectory(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Options{DataDir: dir})
	c := newClient(t, s)
	stopServer(t, s, c)
	// temporal.db holds visibility tables too (the schema helper makes both),
	// as a data directory of the one-file layout does.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(dir, visibilityFile+suffix)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}

	s = startServer(t, Options{DataDir: dir})
	c = newClient(t, s)
	run := startSteps(t, c, 1)
	listed(t, c, s, byID(run), run)
	stopServer(t, s, c)

	s = startServer(t, Options{DataDir: dir})
	c = newClient(t, s)
	listed(t, c, s, byID(run), run)
	if _, err := os.Stat(filepath.Join(dir, visibilityFile)); !os.IsNotExist(err) {
		t.Errorf("an older data directory got a %s: %v", visibilityFile, err)
	}
}
