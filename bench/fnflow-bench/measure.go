package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// forEach calls do for 0..n-1, c at a time; the first error cancels the
// rest and is returned.
func forEach(ctx context.Context, n, c int, do func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(n, c) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := do(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// executionPrefix names a turn's executions uniquely, so that runs against
// the same stack do not collide.
func executionPrefix(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.ReplaceAll(p, "-", ""))
	}
	return fmt.Sprintf("%s-%d", strings.Join(parts, "-"), time.Now().UnixNano())
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
