package interpreter_test

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// TestReplayRecordedHistories replays the histories recorded by the
// integration tests (go test ./interpreter -run . -update). A change to the
// interpreter that would break running executions fails here; guard such a
// change with workflow.GetVersion and record new histories beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories", "*.json"), "go test ./interpreter -run . -update", func(r sdkworker.WorkflowRegistry) {
		r.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
		r.RegisterWorkflowWithOptions(interpreter.AsyncInvocation, workflow.RegisterOptions{Name: interpreter.AsyncInvocationWorkflow})
	})
}
