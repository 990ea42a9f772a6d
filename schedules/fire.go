package schedules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/payload"
)

// This file is a fire: the workflow a schedule starts, and its one activity,
// which starts the execution through executions' start path.

const (
	// FireWorkflow is the workflow type every schedule's action starts.
	// Stored in schedules and histories: frozen.
	FireWorkflow = "fnflow.ScheduleFire"
	// fireActivity starts the fire's execution. Stored in histories: frozen.
	fireActivity = "fnflow.ScheduleStartExecution"
	// fireTimeout bounds a fire: one that could not start its execution in
	// ten minutes (no worker, Temporal overloaded) gives up rather than
	// start it far from its time.
	fireTimeout = 10 * time.Minute
	// fireTimeFormat is the fire's time in its execution's name.
	fireTimeFormat = "20060102T150405Z"
	// maxName is the longest execution name (reference fdl.md §7).
	maxName = 128
)

// scheduledStartTime is the fire's nominal time, which Temporal gives every
// workflow a schedule starts.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// fireInput is what a schedule's action starts its fire with. Stored in
// every schedule and fire: the JSON names are frozen.
type fireInput struct {
	Flow     string
	Schedule string
	// FlowID is the ID of the flow the schedule was made for: a flow created
	// again under the name is another flow.
	FlowID  string
	Payload json.RawMessage `json:",omitempty"`
}

// fireRequest asks fireActivity to start the fire's execution.
type fireRequest struct {
	fireInput
	ExecutionName string
}

// fireResult is what a fire did: started (or found started) Execution, or
// started nothing for the reason Skipped.
type fireResult struct {
	Execution string `json:",omitempty"`
	Skipped   string `json:",omitempty"`
}

// fireWorkflow is the FireWorkflow: it names the fire's execution and has
// the activity start it.
func fireWorkflow(ctx workflow.Context, in fireInput) (fireResult, error) {
	info := workflow.GetInfo(ctx)
	at := info.WorkflowStartTime
	if nominal, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok {
		at = nominal
	}
	name := executionName(in.Schedule, at, info.WorkflowExecution.RunID)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// Retried within fireTimeout; the name makes a retry find the
		// execution an earlier attempt started.
		RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
		Summary:     fmt.Sprintf("start execution %s of flow %s", name, in.Flow),
	})
	var result fireResult
	err := workflow.ExecuteActivity(ctx, fireActivity, fireRequest{fireInput: in, ExecutionName: name}).Get(ctx, &result)
	return result, err
}

// executionName names a fire's execution after its schedule and its time,
// "<schedule>-<yyyymmddThhmmssZ>-<8 hex digits>", the schedule's name cut
// to fit 128 characters. The digits come from the fire's run, so that each
// fire has a name of its own, also two in the same second, and every
// attempt of one fire the same name.
func executionName(schedule string, at time.Time, runID string) string {
	sum := sha256.Sum256([]byte(runID))
	suffix := "-" + at.UTC().Format(fireTimeFormat) + "-" + hex.EncodeToString(sum[:4])
	return schedule[:min(len(schedule), maxName-len(suffix))] + suffix
}

// firer is the activity's side.
type firer struct {
	schedules  *Service
	executions *executions.Service
	logger     *slog.Logger
}

// fire starts the fire's execution with the flow's definition as it is now.
func (f *firer) fire(ctx context.Context, req fireRequest) (fireResult, error) {
	flow, err := f.schedules.flows.Get(ctx, req.Flow)
	if errors.Is(err, flowstore.ErrFlowNotFound) || (err == nil && flow.ID != req.FlowID) {
		return f.flowGone(ctx, req)
	}
	if err != nil {
		return fireResult{}, fmt.Errorf("reading flow %s: %w", req.Flow, err)
	}
	var input map[string]any
	if len(req.Payload) > 0 {
		if err := payload.Unmarshal(req.Payload, &input); err != nil {
			return fireResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("the payload of schedule %s is not a JSON object: %v", req.Schedule, err), fdl.ErrInvalidArgument, err)
		}
	}
	e, err := f.executions.Start(ctx, executions.Request{Flow: req.Flow, Name: req.ExecutionName, Input: input})
	var invalid *executions.InvalidDefinitionError
	switch {
	case errors.Is(err, executions.ErrAlreadyExists):
		// An earlier attempt started it, and it has ended already.
		return fireResult{Execution: req.ExecutionName}, nil
	case errors.Is(err, flowstore.ErrFlowNotFound):
		return f.flowGone(ctx, req)
	case errors.As(err, &invalid):
		f.logger.Warn("a schedule fired, but its flow's definition is no longer valid; update the flow", "flow", req.Flow, "schedule", req.Schedule, "error", err)
		return fireResult{}, temporal.NewNonRetryableApplicationError(invalid.Error(), fdl.ErrInvalidArgument, err)
	case err != nil:
		return fireResult{}, fmt.Errorf("starting execution %s of flow %s: %w", req.ExecutionName, req.Flow, err)
	}
	f.logger.Info("a schedule started an execution", "flow", req.Flow, "schedule", req.Schedule, "execution", e.Name)
	return fireResult{Execution: e.Name}, nil
}

// flowGone deletes the schedule of a deleted flow: it goes with its flow.
// A schedule made since for a flow created again under the name is that
// flow's and stays.
func (f *firer) flowGone(ctx context.Context, req fireRequest) (fireResult, error) {
	_, err := f.schedules.read(ctx, flowstore.Flow{Name: req.Flow, ID: req.FlowID}, req.Schedule)
	if err == nil {
		err = f.schedules.deleteID(ctx, ScheduleID(req.Flow, req.Schedule))
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fireResult{}, fmt.Errorf("deleting schedule %s of the deleted flow %s: %w", req.Schedule, req.Flow, err)
	}
	f.logger.Warn("a schedule fired after its flow was deleted; the schedule is deleted too", "flow", req.Flow, "schedule", req.Schedule)
	return fireResult{Skipped: "flow " + req.Flow + " was deleted, and the schedule with it"}, nil
}

// RegisterWorkflows registers the fire workflow with a worker or a
// replayer.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(fireWorkflow, workflow.RegisterOptions{Name: FireWorkflow})
}

// Register registers on a worker of the service's task queue what its
// schedules' fires run: the fire workflow and its activity, which starts
// executions through starts.
func (s *Service) Register(w worker.Registry, starts *executions.Service, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	RegisterWorkflows(w)
	f := &firer{schedules: s, executions: starts, logger: logger}
	w.RegisterActivityWithOptions(f.fire, activity.RegisterOptions{Name: fireActivity})
}
