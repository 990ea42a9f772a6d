package testenv

import (
	"fmt"
	"regexp"
	"sync"
	"testing"
)

var (
	notNameChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

	runsMu sync.Mutex
	// runs numbers each run of a test: -count=N repeats a test in one
	// process, on one server, which still holds what the last run made.
	runs = map[testing.TB]int{}
)

// ResourceName is a name for what a test makes on the shared server (a
// flow, a queue, a topic, a record) that is this run of the test's alone:
// the test's name, the run's number and suffix. Tests share the server, and
// a run of a test with -count must not find the flows, executions or
// messages of the one before it. The same test and suffix give the same
// name within a run; what is named within a flow (its executions and
// schedules) is then the run's alone too.
func ResourceName(tb testing.TB, suffix string) string {
	runsMu.Lock()
	run, ok := runs[tb]
	if !ok {
		run = len(runs) + 1
		runs[tb] = run
	}
	runsMu.Unlock()
	return fmt.Sprintf("%s-%d%s", notNameChars.ReplaceAllString(tb.Name(), "-"), run, suffix)
}
