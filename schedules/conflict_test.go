package schedules

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
)

// TestWriteConflict: a write from a reading that another write has made
// stale is ErrConflict and changes nothing, on the schedules the embedded
// server keeps (workflow-backed ones, which drop such a write silently).
// No worker is needed: schedules are kept by the server.
func TestWriteConflict(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the embedded Temporal server")
	}
	env := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	flow := testenv.ResourceName(t, "")
	flows := flowstore.New(env.Client, "schedules-conflict-test")
	f, err := flows.Create(ctx, flowstore.Flow{Name: flow, Definition: "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n"})
	if err != nil {
		t.Fatal(err)
	}
	s := New(env.Client, env.Namespace, "schedules-conflict-test", flows)
	if _, err := s.Create(ctx, Schedule{Flow: flow, Name: "s", CronExpression: "@daily", Description: "first"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), flow, "s") })
	first, err := s.read(ctx, f, "s")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.read(ctx, f, "s")
	if err != nil {
		t.Fatal(err)
	}
	winner := first.schedule
	winner.Description = "the first writer's"
	if _, err := s.write(ctx, f, first, winner, first.spec); err != nil {
		t.Fatalf("the first write: %v", err)
	}
	loser := second.schedule
	loser.Description = "the second writer's"
	if _, err := s.write(ctx, f, second, loser, second.spec); !errors.Is(err, ErrConflict) {
		t.Fatalf("the write from a stale reading: %v, want ErrConflict", err)
	}
	got, err := s.Get(ctx, flow, "s")
	if err != nil || got.Description != "the first writer's" {
		t.Errorf("after the conflict: %+v, %v", got, err)
	}
}
