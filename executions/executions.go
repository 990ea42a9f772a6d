// Package executions starts fnflow executions and reads them back: the one
// start path that the gateway's StartExecution, child flows, schedules and
// CallbackFnFTaskToken share, and the read side (describe, await, stop, list,
// history paging). It is flowstore's twin: flows live in flowstore,
// executions are Temporal workflows of type interpreter.ExecutionWorkflow
// with ID interpreter.ExecutionWorkflowID(flow, name).
//
// The package speaks Go types; the fnf API's wire format (PascalCase JSON,
// time format, error codes) is the gateway's. Names are the caller's to
// check (fdl.ValidName): they are used in workflow IDs as they are.
package executions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/google/uuid"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

var (
	// ErrNotFound means there is no fnflow execution of that name.
	ErrNotFound = errors.New("execution does not exist")
	// ErrAlreadyExists is returned by Start for a name an ended execution
	// has used: an execution name is used once.
	ErrAlreadyExists = errors.New("execution already exists")
	// ErrAlreadyEnded is returned by Stop for an execution that is not
	// running.
	ErrAlreadyEnded = errors.New("execution has already ended")
	// ErrInvalidFilter is returned by List for a filter it cannot query.
	ErrInvalidFilter = errors.New("invalid execution filter")
	// ErrWrongMode is returned by Start for a flow whose execution mode is
	// not the one the start asked for (Request.Mode).
	ErrWrongMode = errors.New("the flow's execution mode does not allow this start")
)

// ExpressMaxDuration bounds every execution of an Express flow, the managed
// service's limit for them: it becomes the workflow's execution timeout, or
// the flow's timeoutSeconds when that is shorter. StartSyncExecution can
// therefore always wait for the end.
const ExpressMaxDuration = 5 * time.Minute

// InvalidDefinitionError is returned by Start when the flow's definition
// does not parse. A stored definition was valid when it was stored; the
// language got stricter since.
type InvalidDefinitionError struct {
	Flow string
	// Diagnostics is every error found, one "file:line:col: step path:
	// message" line each.
	Diagnostics error
}

func (e *InvalidDefinitionError) Error() string {
	return fmt.Sprintf("the definition of flow %s is not valid:\n%v", e.Flow, e.Diagnostics)
}

// TimeFormat is how the fnf API writes a time: UTC with milliseconds. It is
// here for the StartExecution answer a child step returns as its $local.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Status is an execution's status (reference fdl.md §6.3).
type Status string

const (
	// Starting is a running execution no worker has begun yet: its
	// workflow has completed no workflow task, the first of which logs
	// ExecutionStarted. It lasts milliseconds when workers are up; it stays
	// while none polls the task queue.
	Starting  Status = "Starting"
	Running   Status = "Running"
	Succeeded Status = "Succeeded"
	Failed    Status = "Failed"
	Stopped   Status = "Stopped"
	TimedOut  Status = "TimedOut"
)

// Known reports whether s is one of the statuses above.
func (s Status) Known() bool {
	switch s {
	case Starting, Running, Succeeded, Failed, Stopped, TimedOut:
		return true
	}
	return false
}

func statusOf(s enumspb.WorkflowExecutionStatus) Status {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return Succeeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return Failed
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return Stopped
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return TimedOut
	default:
		return Running
	}
}

// Execution is one execution as fnflow shows it.
type Execution struct {
	FlowName string
	Name     string
	Status   Status
	// Input is the execution input as stored, a JSON object; Output is the
	// execution's output once it succeeded. Definition is the snapshot of
	// the flow's definition the execution runs. List leaves the three
	// empty: they live in each execution's history.
	Input       json.RawMessage
	Output      json.RawMessage
	Definition  string
	StartedTime time.Time
	// StoppedTime is zero while the execution runs.
	StoppedTime time.Time
	// RunID is the Temporal run described, so that Await and Stop act on
	// that run and never on a later one of the same workflow ID.
	RunID string
}

// Service starts and reads executions through a Temporal client.
type Service struct {
	temporal client.Client
	// flows holds the definitions executions start with.
	flows *flowstore.Store
	// namespace is the client's, for the calls made on its raw workflow
	// service.
	namespace string
	// taskQueue is where executions are started; the worker polls it.
	taskQueue string
	runs      *runCache
}

// New returns a Service that starts executions of the flows in flows on
// taskQueue.
func New(c client.Client, namespace, taskQueue string, flows *flowstore.Store) *Service {
	return &Service{temporal: c, flows: flows, namespace: namespace, taskQueue: taskQueue, runs: newRunCache(runCacheBytes)}
}

// Request asks for an execution of a flow.
type Request struct {
	Flow string
	// Name is "" for a generated name.
	Name string
	// Input is the execution input; nil is {}. It is stored as it is: the
	// caller checks that it can be stored and read back (internal/payload),
	// for an input Temporal stored but the execution could not read would
	// leave it broken for good.
	Input map[string]any
	// CallbackToken, when set, is a task token the execution's outcome is
	// reported to when it ends (StartExecution's CallbackFnFTaskToken). The
	// caller has checked that it opens.
	CallbackToken string
	// Mode, when set, is the execution mode the start is for
	// (flowstore.ModeStandard for StartExecution, flowstore.ModeExpress for
	// StartSyncExecution): a flow of the other mode makes Start fail with
	// ErrWrongMode. Child flows and schedules leave it empty and start
	// either.
	Mode string
}

// Start starts an execution of the flow's definition as it is now. A
// running execution of that name is returned as it is; an ended one makes
// Start fail with ErrAlreadyExists, a flow that does not exist with
// flowstore.ErrFlowNotFound.
func (s *Service) Start(ctx context.Context, req Request) (Execution, error) {
	start, err := s.plan(ctx, req)
	if err != nil {
		return Execution{}, err
	}
	name := start.Input.ExecutionName
	resp, err := s.startWorkflow(ctx, start)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return Execution{}, fmt.Errorf("starting execution %s of flow %s: %w", name, req.Flow, ErrAlreadyExists)
	}
	if err != nil {
		return Execution{}, fmt.Errorf("starting execution %s of flow %s: %w", name, req.Flow, err)
	}
	if req.CallbackToken != "" {
		s.startCallback(ctx, start, resp.GetRunId())
	}
	if !resp.GetStarted() {
		// The execution was already running: its own input and start time
		// are the answer, which its history holds.
		return s.read(ctx, req.Flow, name, resp.GetRunId())
	}
	return s.readStarted(ctx, start, resp.GetRunId())
}

// startWorkflow starts an execution's workflow. It calls Temporal's
// workflow service itself, not the SDK client's ExecuteWorkflow, for the
// answer's Started: whether this call started the run or found it running,
// which only the raw answer tells.
func (s *Service) startWorkflow(ctx context.Context, start interpreter.ExecutionStart) (*workflowservice.StartWorkflowExecutionResponse, error) {
	input, err := payload.Converter.ToPayloads(start.Input)
	if err != nil {
		return nil, fmt.Errorf("encoding the start input: %w", err)
	}
	summary, err := payload.Converter.ToPayload(start.Summary)
	if err != nil {
		return nil, fmt.Errorf("encoding the summary: %w", err)
	}
	req := &workflowservice.StartWorkflowExecutionRequest{
		Namespace:    s.namespace,
		WorkflowId:   start.WorkflowID,
		WorkflowType: &commonpb.WorkflowType{Name: interpreter.ExecutionWorkflow},
		TaskQueue:    &taskqueuepb.TaskQueue{Name: s.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		Input:        input,
		Identity:     startIdentity,
		// A retried call with the same request ID is the same start.
		RequestId: uuid.NewString(),
		// An execution name is used once: a running execution of that name is
		// returned as it is, an ended one refuses the start.
		WorkflowIdConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIdReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		UserMetadata:             &sdkpb.UserMetadata{Summary: summary},
	}
	if start.Timeout > 0 {
		req.WorkflowExecutionTimeout = durationpb.New(start.Timeout)
	}
	return s.temporal.WorkflowService().StartWorkflowExecution(ctx, req)
}

// readStarted is the execution a start has just begun, without reading its
// history back: the input and definition are those it was started with,
// and while its history is no longer than firstTaskEvents no workflow task
// of it has completed, so it is Starting. One that a worker has begun
// already is read back, as Describe reads it.
func (s *Service) readStarted(ctx context.Context, start interpreter.ExecutionStart, runID string) (Execution, error) {
	flow, name := start.Input.FlowName, start.Input.ExecutionName
	info, err := s.describe(ctx, flow, name, runID)
	if err != nil {
		return Execution{}, err
	}
	e := summary(flow, info)
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || info.GetHistoryLength() > firstTaskEvents {
		if err := s.fill(ctx, info, &e); err != nil {
			return Execution{}, err
		}
		return e, nil
	}
	e.Status = Starting
	if e.Input, err = payload.Marshal(start.Input.Input); err != nil {
		return Execution{}, fmt.Errorf("encoding the input of execution %s of flow %s: %w", name, flow, err)
	}
	e.Definition = start.Input.Definition
	return e, nil
}

// firstTaskEvents is how long a run's history is until its first workflow
// task ends: started, task scheduled, task started. The fourth event ends
// the task, completed or failed.
const firstTaskEvents = 3

// startIdentity is the identity a start records in the execution's history,
// as the SDK's client records pid@host for its own.
var startIdentity = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@fnflow", os.Getpid(), host)
}()

// plan decides how an execution is started, for every start: its name, its
// workflow ID, its timeout (the flow's timeoutSeconds, at most
// ExpressMaxDuration for an Express flow), its summary in the
// Web UI, and its input with a snapshot of the flow's definition.
func (s *Service) plan(ctx context.Context, req Request) (interpreter.ExecutionStart, error) {
	flow, err := s.flows.Get(ctx, req.Flow)
	if err != nil {
		return interpreter.ExecutionStart{}, fmt.Errorf("reading flow %s to start an execution: %w", req.Flow, err)
	}
	if req.Mode != "" && flow.Mode() != req.Mode {
		return interpreter.ExecutionStart{}, fmt.Errorf("starting a %s execution of %s flow %s: %w", req.Mode, flow.Mode(), req.Flow, ErrWrongMode)
	}
	parsed, diags := fdl.Parse(req.Flow, []byte(flow.Definition))
	if diags.HasErrors() {
		return interpreter.ExecutionStart{}, &InvalidDefinitionError{Flow: req.Flow, Diagnostics: diags.Err()}
	}
	timeout := time.Duration(parsed.TimeoutSeconds) * time.Second
	if flow.Mode() == flowstore.ModeExpress && (timeout == 0 || timeout > ExpressMaxDuration) {
		timeout = ExpressMaxDuration
	}
	name := req.Name
	if name == "" {
		// Prefixed: a bare UUID may start with a digit, which the naming rule
		// forbids.
		name = "exec-" + uuid.NewString()
	}
	input := req.Input
	if input == nil {
		input = map[string]any{}
	}
	return interpreter.ExecutionStart{
		WorkflowID: interpreter.ExecutionWorkflowID(req.Flow, name),
		Timeout:    timeout,
		Summary:    fmt.Sprintf("fnflow execution %s of flow %s", name, req.Flow),
		Input: interpreter.ExecutionInput{
			FlowName:      req.Flow,
			ExecutionName: name,
			Definition:    flow.Definition,
			Input:         input,
			CallbackToken: req.CallbackToken,
		},
	}, nil
}

// stopDetail is what Stop records as the termination's details, so that
// History can show ExecutionStopped {error, cause}.
type stopDetail struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

// Stop terminates a running execution with an error name and a cause, and
// describes it stopped. An execution that is not running makes it fail with
// ErrAlreadyEnded.
func (s *Service) Stop(ctx context.Context, flow, name, errorName, cause string) (Execution, error) {
	info, err := s.describe(ctx, flow, name, "")
	if err != nil {
		return Execution{}, err
	}
	alreadyEnded := fmt.Errorf("stopping execution %s of flow %s: %w", name, flow, ErrAlreadyEnded)
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return Execution{}, alreadyEnded
	}
	exec := info.GetExecution()
	// The reason is for people reading Temporal; the details are for the
	// ExecutionStopped event.
	reason := fmt.Sprintf("StopExecution (error %q, cause %q)", errorName, cause)
	err = s.temporal.TerminateWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), reason, stopDetail{Error: errorName, Cause: cause})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// It ended between the description and the termination.
		return Execution{}, alreadyEnded
	}
	if err != nil {
		return Execution{}, fmt.Errorf("stopping execution %s of flow %s: %w", name, flow, err)
	}
	s.nudgeCallback(ctx, flow, name)
	return s.read(ctx, flow, name, exec.GetRunId())
}
