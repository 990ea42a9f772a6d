package record_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/record"
	"github.com/fnflow/fnflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// counter is a record kind made for the test: a number and when it changed.
type counter struct {
	Name    string
	N       int
	Changed time.Time
}

type add struct{ By int }

// purged tells which names the kind's Purge activity was run for; release
// lets a purge finish.
type purger struct {
	mu      sync.Mutex
	names   []string
	release chan struct{}
}

func (p *purger) purge(ctx context.Context, name string) error {
	p.mu.Lock()
	p.names = append(p.names, name)
	p.mu.Unlock()
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var kind = &record.Kind[counter, add]{
	WorkflowType: "test.Counter",
	IDPrefix:     "test-counter:",
	Noun:         "counter",
	Purge:        "test.PurgeCounter",
	Apply: func(c counter, a add, now time.Time) (counter, error) {
		if c.N+a.By < 0 {
			return c, record.Refuse("Negative", "counter %s would go below zero", c.Name)
		}
		c.N += a.By
		c.Changed = now
		return c, nil
	},
}

func start(t *testing.T) (*record.Store[counter, add], *purger) {
	t.Helper()
	env := testenv.Start(t)
	queue := "record-" + t.Name()
	p := &purger{release: make(chan struct{})}
	w := worker.New(env.Client, queue, worker.Options{})
	kind.Register(w)
	w.RegisterActivityWithOptions(p.purge, activity.RegisterOptions{Name: kind.Purge})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(p.release)
		w.Stop()
	})
	return kind.Store(env.Client, queue), p
}

func TestCreateUpdateDelete(t *testing.T) {
	s, p := start(t)
	ctx := t.Context()
	name := testenv.ResourceName(t, "")
	if err := s.Create(ctx, name, counter{Name: name, N: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, name, counter{Name: name}); !errors.Is(err, record.ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	got, err := s.Get(ctx, name)
	if err != nil || got.N != 1 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	got, err = s.Update(ctx, name, add{By: 2})
	if err != nil || got.N != 3 || got.Changed.IsZero() {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	_, err = s.Update(ctx, name, add{By: -10})
	if record.RefusalCode(err) != "Negative" {
		t.Fatalf("refused Update: %v, want code Negative", err)
	}
	if got, _ := s.Get(ctx, name); got.N != 3 {
		t.Fatalf("after a refused update the record is %+v", got)
	}

	if err := s.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	// The purge is held: the record is gone for readers, and its name is
	// not free yet.
	if _, err := s.Get(ctx, name); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("Get while purging: %v, want ErrNotFound", err)
	}
	if err := s.Create(ctx, name, counter{Name: name}); !errors.Is(err, record.ErrDeleting) {
		t.Fatalf("Create while purging: %v, want ErrDeleting", err)
	}
	if err := s.Delete(ctx, name); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, name, add{By: 1}); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("Update while purging: %v, want ErrNotFound", err)
	}
	p.release <- struct{}{}
	testenv.Eventually(t, "the name is free again", 20*time.Second, func() error {
		return s.Create(ctx, name, counter{Name: name, N: 7})
	})
	if got, err := s.Get(ctx, name); err != nil || got.N != 7 {
		t.Fatalf("recreated record %+v, %v", got, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.names) != 1 || p.names[0] != name {
		t.Errorf("purged %v, want [%s]", p.names, name)
	}
}

func TestConcurrentUpdatesAllApply(t *testing.T) {
	s, _ := start(t)
	ctx := t.Context()
	name := testenv.ResourceName(t, "")
	if err := s.Create(ctx, name, counter{Name: name}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := s.Update(ctx, name, add{By: 1}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := s.Get(ctx, name); got.N != 10 {
		t.Fatalf("after 10 concurrent updates N = %d", got.N)
	}
}

func TestListPagesInNameOrder(t *testing.T) {
	s, _ := start(t)
	ctx := t.Context()
	// The names of this run of the test begin with run; L-e differs from
	// the prefix only in case: not listed.
	run := testenv.ResourceName(t, "-")
	for _, name := range []string{"l-c", "l-a", "other", "l-b", "L-e", "l-d"} {
		if err := s.Create(ctx, run+name, counter{Name: run + name}); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	testenv.Eventually(t, "visibility lists all four", 20*time.Second, func() error {
		pages = nil
		marker := ""
		for {
			page, next, err := s.List(ctx, run+"l-", marker, 3)
			if err != nil {
				return err
			}
			var names []string
			for _, c := range page {
				names = append(names, strings.TrimPrefix(c.Name, run))
			}
			pages = append(pages, names)
			if next == "" {
				break
			}
			marker = next
		}
		if fmt.Sprint(pages) != "[[l-a l-b l-c] [l-d]]" {
			return fmt.Errorf("pages %v", pages)
		}
		return nil
	})
	if _, _, err := s.List(ctx, run+"l-", "zz", 3); !errors.Is(err, record.ErrBadMarker) {
		t.Errorf("List with a marker outside the prefix: %v, want ErrBadMarker", err)
	}
}
