package worker

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/schedules"
	"github.com/fnflow/fnflow/topics"
)

// DefaultTaskQueue is where executions and their activities run unless
// configured otherwise.
const DefaultTaskQueue = "fnflow"

// stopGrace is what Stop waits beyond the hand-off timeout, for the last
// RPCs of a hand-off that used all of its time.
const stopGrace = 5 * time.Second

// Config is what a worker runs with.
type Config struct {
	// Namespace is the client's, for the queue calls made on its raw
	// workflow service.
	Namespace string
	TaskQueue string
	// Functions binds function resources; nil binds none.
	Functions *activities.Bindings
	Tokens    *token.Signer
	// PushSigner signs the notifications topics push to HTTP subscribers;
	// nil sends them unsigned.
	PushSigner *topics.PushSigner
	Logger     *slog.Logger
	// HandoffTimeout bounds a callback task's hand-off: calling the function
	// with the token and recording the token in the execution. A hand-off
	// that has not finished by then (its worker died or hung) is abandoned,
	// its token refused, and the step handed over again. Zero means
	// interpreter.DefaultHandoffTimeout. Every worker of a task queue should
	// use the same value.
	//
	// Stop lets hand-offs in progress finish: it stops taking new tasks and
	// waits up to HandoffTimeout plus a few seconds for running activities
	// before it cancels them. A callback step already waiting for its report
	// holds no worker and is not affected.
	HandoffTimeout time.Duration
	// MaxStepData bounds the JSON of one step's input, output and $local
	// together, in bytes: zero means interpreter.DefaultMaxStepData (the
	// managed service's 32 KiB), interpreter.NoStepDataLimit none. An
	// execution keeps the limit of the worker it started on.
	MaxStepData int
	// Metrics, when set, registers the worker's metrics: its callback
	// hand-offs by outcome.
	Metrics prometheus.Registerer
	// GroupSends is queues.Config.GroupSends for the messages the worker
	// sends: queue task steps', and topics' fan-out into queues.
	GroupSends bool
	// Queues, when set, is the Store the worker sends messages through,
	// instead of one of its own made from the fields above: a process that
	// runs a gateway too (fnflow dev) shares its Store, so that the
	// gateway's peeks see what a flow sent a moment ago and sends from both
	// to a busy queue are gathered together.
	Queues *queues.Store
}

// New returns a worker, not yet started, that runs flow executions with
// their child starts, callback reports and asynchronous function
// invocations, flow records, task activities, schedules' fires, and the
// queues' and topics' records, messages and deliveries on the task queue.
func New(c client.Client, cfg Config) sdkworker.Worker {
	opts := interpreter.Options{HandoffTimeout: cfg.HandoffTimeout, MaxStepData: cfg.MaxStepData}
	w := sdkworker.New(c, cfg.TaskQueue, sdkworker.Options{WorkerStopTimeout: opts.Handoff() + stopGrace})
	w.RegisterWorkflowWithOptions(opts.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	w.RegisterWorkflowWithOptions(interpreter.AsyncInvocation, workflow.RegisterOptions{Name: interpreter.AsyncInvocationWorkflow})
	flowstore.Register(w)
	queueStore := cfg.Queues
	if queueStore == nil {
		queueStore = queues.New(c, queues.Config{Namespace: cfg.Namespace, TaskQueue: cfg.TaskQueue, Handles: cfg.Tokens, GroupSends: cfg.GroupSends})
	}
	queues.Register(w, c)
	topics.Register(w, topics.Deps{Queues: queueStore, Signer: cfg.PushSigner})
	var handoffs *activities.HandoffMetrics
	if cfg.Metrics != nil {
		handoffs = activities.NewHandoffMetrics(cfg.Metrics)
	}
	acts := &activities.Activities{
		Functions: cfg.Functions,
		Queues:    queueStore,
		Topics:    topics.New(c, topics.Config{TaskQueue: cfg.TaskQueue}),
		Tokens:    cfg.Tokens,
		Temporal:  c,
		HTTP:      &http.Client{},
		Logger:    cfg.Logger,
		Handoffs:  handoffs,
	}
	acts.Register(w)
	execs := executions.New(c, cfg.Namespace, cfg.TaskQueue, flowstore.New(c, cfg.TaskQueue))
	execs.Register(w, callback.New(c, cfg.Tokens), cfg.Logger)
	schedules.New(c, cfg.Namespace, cfg.TaskQueue, flowstore.New(c, cfg.TaskQueue)).Register(w, execs, cfg.Logger)
	return w
}
