package worker

import (
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
)

// DefaultTaskQueue is where executions and their activities run unless
// configured otherwise.
const DefaultTaskQueue = "fnflow"

// Config is what a worker runs with.
type Config struct {
	TaskQueue string
	// Functions binds function resources; nil binds none.
	Functions *activities.Bindings
	Tokens    *token.Signer
	Logger    *slog.Logger
}

// New returns a worker, not yet started, that runs flow executions, flow
// records and task activities on the task queue.
func New(c client.Client, cfg Config) sdkworker.Worker {
	w := sdkworker.New(c, cfg.TaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	flowstore.Register(w)
	acts := &activities.Activities{
		Functions: cfg.Functions,
		Tokens:    cfg.Tokens,
		Temporal:  c,
		HTTP:      &http.Client{},
		Logger:    cfg.Logger,
	}
	acts.Register(w)
	return w
}
