package testenv

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fnflow/fnflow/internal/payload"
)

// Replay tests guard running workflows against incompatible changes: a
// package records the histories of real runs once (behind its own -update
// flag) and replays them against the current code on every test run. The
// two halves below are shared so that every package records in the one
// format the replayer reads, and replays with the converter the worker
// uses.

// RecordHistory writes the history of the workflow run (runID "" for the
// latest run) to file as indented protojson, the format
// worker.WorkflowReplayer.ReplayWorkflowHistoryFromJSONFile reads, creating
// file's directory if needed. Indented, a re-recorded history reviews as a
// readable diff. It records whenever it is called: whether a test records
// (its package's -update flag) is the caller's decision.
func RecordHistory(tb testing.TB, c client.Client, workflowID, runID, file string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var hist historypb.History
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			tb.Fatalf("reading the history of %s: %v", workflowID, err)
		}
		hist.Events = append(hist.Events, event)
	}
	text, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&hist)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, text, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// ReplayHistories replays every history file matching pattern (a
// filepath.Glob pattern, such as testdata/histories/*.json), each in a
// subtest named after the file, on a fresh replayer that register has given
// the package's workflows. A history that no longer replays means the code
// would break the runs already under way; such a change needs
// workflow.GetVersion. It fails t if nothing matches, so that a misplaced
// pattern or a lost testdata directory cannot pass unnoticed; howToRecord,
// the command that records the histories, is said in that failure.
//
// The replayer decodes payloads with fnflow's payload converter, as the
// worker does, and its logger discards: a failure's error says what
// diverged.
func ReplayHistories(t *testing.T, pattern, howToRecord string, register func(worker.WorkflowRegistry)) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no recorded histories in %s (%s)", filepath.Dir(pattern), howToRecord)
	}
	logger := temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: payload.Converter})
			if err != nil {
				t.Fatal(err)
			}
			register(replayer)
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(logger, file); err != nil {
				t.Errorf("replaying %s: %v", file, err)
			}
		})
	}
}
