package testenv

import (
	"testing"
	"time"
)

// Eventually calls check until it returns nil, every 100 ms, and fails tb
// with what and check's last error once timeout has passed. Tests need it
// for what the server does in its own time: Temporal's visibility store
// and the records kept in it are eventually consistent, and a worker's
// activities run after the call that started them has returned.
func Eventually(tb testing.TB, what string, timeout time.Duration, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
