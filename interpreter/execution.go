// Package interpreter is the Temporal workflow that runs an FDL flow: it walks
// the steps of the flow's definition, one file per step kind, keeps the data
// model ($input, $local, $context), applies retry and catch, and keeps the
// FnF event log that GetExecutionHistory shows.
//
// Everything here is workflow code and must stay deterministic: no Go map
// iteration deciding the order of commands, no wall clock, no goroutines but
// workflow.Go. Pass, choice, succeed, fail and mappings cost no Temporal
// history events; a task is one activity and a wait is one timer.
package interpreter

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

// cancelIsStopChange made a cancelled execution end Canceled (Stopped) rather
// than Failed with the cancellation as its error. Stored in histories:
// frozen.
const cancelIsStopChange = "cancel-is-stop"

// DefaultHandoffTimeout bounds a callback task's hand-off when the worker
// does not say otherwise.
const DefaultHandoffTimeout = time.Minute

// Options tune the interpreter of one worker. The workflow reads them through
// the function registered for it (Options.Execution), not from its history:
// what they change is timer durations, which replay does not check.
type Options struct {
	// HandoffTimeout bounds a callback task's hand-off; zero means
	// DefaultHandoffTimeout.
	HandoffTimeout time.Duration
	// MaxStepData bounds the JSON of one step's input, output and $local
	// together, in bytes; zero means DefaultMaxStepData, NoStepDataLimit
	// none. An execution keeps the limit it started with (limits.go).
	MaxStepData int
}

// Handoff is the hand-off timeout in effect.
func (o Options) Handoff() time.Duration {
	if o.HandoffTimeout <= 0 {
		return DefaultHandoffTimeout
	}
	return o.HandoffTimeout
}

// execution is the state of one running flow execution.
type execution struct {
	in   ExecutionInput
	opts Options
	log  eventLog
	// limits are the data limits the execution started with; nil for one
	// started before they existed.
	limits *stepLimits
	// waiting holds the callback task attempts that have been scheduled and
	// not finished, by activity ID, with the TaskScheduled event ID and what
	// the Web UI says about them.
	waiting map[string]*waitingTask
}

type waitingTask struct {
	stepName         string
	scheduledEventID int64
	description      string
	submitted        bool
	// checking is set while the workflow asks whether an overdue hand-off
	// is abandoned; a token that arrives meanwhile waits in heldToken for
	// the answer. abandoned is set once it is: its token is refused, so
	// its notice is not logged.
	checking  bool
	heldToken string
	abandoned bool
	// token is the attempt's callback token once its notice is logged;
	// handOver is the Temporal activity the notice asks the workflow to
	// hand the task to.
	token    string
	handOver *activities.TemporalBinding
	// lastHeartbeat is the heartbeat a report forwarded just before it
	// completes the attempt (TaskHeartbeatSignal); nil when none did.
	lastHeartbeat *TaskHeartbeat
}

// Execution is the workflow function of a flow execution with the default
// options. Its result is the flow output; a failure is an ApplicationError
// whose type is the FnF error name and whose message is the cause.
func Execution(ctx workflow.Context, in ExecutionInput) (map[string]any, error) {
	return Options{}.Execution(ctx, in)
}

// Execution is the workflow function of a flow execution run with o.
func (o Options) Execution(ctx workflow.Context, in ExecutionInput) (map[string]any, error) {
	ex := &execution{in: in, opts: o, waiting: map[string]*waitingTask{}}
	if err := workflow.SetQueryHandler(ctx, HistoryQuery, func() ([]Event, error) {
		return ex.log.snapshot(), nil
	}); err != nil {
		return nil, fmt.Errorf("registering history query: %w", err)
	}
	if err := workflow.SetQueryHandler(ctx, HistoryPageQuery, ex.log.page); err != nil {
		return nil, fmt.Errorf("registering history page query: %w", err)
	}
	if in.Input == nil {
		in.Input = map[string]any{}
	}
	ex.log.add(ctx, EventExecutionStarted, "", 0, map[string]any{"input": in.Input})
	ex.listenForSubmittedTasks(ctx)
	if in.CallbackToken != "" {
		callback, err := ex.startCallback(ctx)
		if err != nil {
			return nil, fmt.Errorf("starting the report of the outcome to the callback token: %w", err)
		}
		defer ex.nudgeCallback(ctx, callback)
	}

	output, err := ex.run(ctx)
	if err != nil && ctx.Err() != nil && workflow.GetVersion(ctx, cancelIsStopChange, workflow.DefaultVersion, 1) > workflow.DefaultVersion {
		// Cancelled: by a sync parent whose step timed out, or in Temporal.
		// The execution ends Canceled, which fnflow shows as Stopped; the
		// read side adds the ExecutionStopped event, as for a termination.
		return nil, temporal.NewCanceledError()
	}
	if err != nil {
		fe := asFlowError(err)
		ex.log.add(ctx, EventExecutionFailed, "", 0, map[string]any{"error": fe.Name, "cause": fe.Cause})
		return nil, temporal.NewNonRetryableApplicationError(fe.Cause, fe.Name, nil)
	}
	ex.log.add(ctx, EventExecutionSucceeded, "", 0, map[string]any{"output": output})
	return output, nil
}

func (ex *execution) run(ctx workflow.Context) (map[string]any, error) {
	if err := ex.readLimits(ctx); err != nil {
		return nil, err
	}
	flow, diags := fdl.Parse(ex.in.FlowName, []byte(ex.in.Definition))
	if diags.HasErrors() {
		// The gateway validates every definition it stores, so this means the
		// language got stricter since the flow was created.
		return nil, &FlowError{Name: fdl.ErrRuntime, Cause: "the flow definition is not valid: " + diags.Err().Error()}
	}
	input := ex.in.Input
	if len(flow.InputMappings) > 0 {
		mapped, err := fdl.EvalMappings(flow.InputMappings, fdl.Vars{Input: input, Context: ex.contextVar(nil, 0, false)})
		if err != nil {
			return nil, runtimeError("flow inputMappings", err)
		}
		input = mapped
	}
	top := &scope{input: input, local: map[string]any{}}
	if err := ex.runSteps(ctx, flow.Steps, top); err != nil {
		return nil, err
	}
	output := top.local
	if len(flow.OutputMappings) > 0 {
		mapped, err := fdl.EvalMappings(flow.OutputMappings, fdl.Vars{Input: input, Local: top.local, Context: ex.contextVar(nil, 0, false)})
		if err != nil {
			return nil, runtimeError("flow outputMappings", err)
		}
		output = mapped
	}
	if err := ex.limits.checkOutput(output); err != nil {
		return nil, err
	}
	return output, nil
}

// listenForSubmittedTasks logs TaskSubmitted, with the token, when a
// callback task tells the execution it handed its work over.
func (ex *execution) listenForSubmittedTasks(ctx workflow.Context) {
	signals := workflow.GetSignalChannel(ctx, activities.TaskSubmittedSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s activities.TaskSubmitted
			if !signals.Receive(ctx, &s) {
				return
			}
			w, ok := ex.waiting[s.ActivityID]
			if ok {
				w.handOver = s.HandOver
			}
			switch {
			case !ok || w.submitted || w.abandoned:
				// The attempt already finished (its report beat the notice)
				// or was abandoned.
			case w.checking:
				w.heldToken = s.TaskToken
			default:
				ex.logSubmitted(ctx, w, s.TaskToken)
			}
		}
	})
}

func (ex *execution) logSubmitted(ctx workflow.Context, w *waitingTask, taskToken string) {
	w.submitted, w.token = true, taskToken
	ex.log.add(ctx, EventTaskSubmitted, w.stepName, w.scheduledEventID, map[string]any{"taskToken": taskToken})
}

// showWaiting tells the Web UI which steps wait for what.
func (ex *execution) showWaiting(ctx workflow.Context) {
	if len(ex.waiting) == 0 {
		workflow.SetCurrentDetails(ctx, "")
		return
	}
	lines := make([]string, 0, len(ex.waiting))
	for _, w := range ex.waiting {
		lines = append(lines, "- "+w.description)
	}
	sort.Strings(lines)
	workflow.SetCurrentDetails(ctx, "**Waiting for callbacks**\n"+strings.Join(lines, "\n"))
}
