package interpreter_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	temporallog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

// TestReplayRecordedHistories replays the histories recorded by the
// integration tests (go test ./interpreter -run . -update). A change to the
// interpreter that would break running executions fails here; guard such a
// change with workflow.GetVersion and record new histories beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/histories")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: payload.Converter})
			if err != nil {
				t.Fatal(err)
			}
			replayer.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)), file); err != nil {
				t.Errorf("replaying %s: %v", file, err)
			}
		})
	}
}
