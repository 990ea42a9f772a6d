package topics

import (
	"slices"
	"testing"
	"time"
)

// waits returns every wait strategy allows, in order.
func waits(strategy, seed string) []time.Duration {
	var all []time.Duration
	for failures := 1; ; failures++ {
		wait, retry := retryWait(strategy, failures, seed)
		if !retry {
			return all
		}
		all = append(all, wait)
	}
}

func TestBackoffRetryWaitsTenToTwentySecondsThreeTimes(t *testing.T) {
	spread := map[time.Duration]bool{}
	for _, seed := range []string{"A/s", "B/s", "C/s", "D/s", "E/s", "F/s", "G/s", "H/s"} {
		got := waits(BackoffRetry, seed)
		if len(got) != 3 {
			t.Fatalf("seed %s: %d retries, want 3: %v", seed, len(got), got)
		}
		for _, wait := range got {
			if wait < 10*time.Second || wait > 20*time.Second {
				t.Errorf("seed %s: wait %v outside 10–20 s", seed, wait)
			}
			spread[wait] = true
		}
		if again := waits(BackoffRetry, seed); !slices.Equal(again, got) {
			t.Errorf("seed %s: the waits changed between two calls (%v, then %v): a replay would wait differently", seed, got, again)
		}
	}
	// Random, not one fixed wait: 24 waits over 10 s of milliseconds.
	if len(spread) < 20 {
		t.Errorf("24 waits took only %d values: %v", len(spread), spread)
	}
}

func TestExponentialDecayRetryWaits(t *testing.T) {
	got := waits(ExponentialDecayRetry, "A/s")
	if len(got) != 176 {
		t.Fatalf("%d retries, want 176", len(got))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256}
	for i, w := range want {
		if got[i] != w*time.Second {
			t.Errorf("retry %d waits %v, want %v", i+1, got[i], w*time.Second)
		}
	}
	var total time.Duration
	for i, wait := range got {
		if i >= len(want) && wait != 512*time.Second {
			t.Errorf("retry %d waits %v, want 512s", i+1, wait)
		}
		total += wait
	}
	// 511 s, then 167 × 512 s: within the day a message lives.
	if total != 86015*time.Second || total > retention {
		t.Errorf("the retries wait %v in all, want 86015s, within %v", total, retention)
	}
}

func TestUnknownStrategyDoesNotRetry(t *testing.T) {
	if wait, retry := retryWait("NEVER_HEARD_OF", 1, "A/s"); retry {
		t.Errorf("an unknown strategy retries after %v", wait)
	}
}
