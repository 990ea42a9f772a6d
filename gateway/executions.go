package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

// executionObject is the fnf API's execution object. ExternalInputUri and
// ExternalOutputUri are left out: fnflow never stores payloads outside the
// execution, and a missing field decodes as "" in every SDK.
type executionObject struct {
	Name           string
	FlowName       string
	Status         string
	Input          string `json:",omitempty"`
	Output         string `json:",omitempty"`
	FlowDefinition string `json:",omitempty"`
	StartedTime    string
	StoppedTime    string `json:",omitempty"`
}

type executionReply struct {
	reply
	executionObject
}

// Execution statuses (reference fdl.md §6.3). Starting is never reported: a
// Temporal workflow runs from the moment it is started.
const (
	statusRunning   = "Running"
	statusSucceeded = "Succeeded"
	statusFailed    = "Failed"
	statusStopped   = "Stopped"
	statusTimedOut  = "TimedOut"
)

func executionStatus(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return statusSucceeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return statusFailed
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return statusStopped
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return statusTimedOut
	default:
		return statusRunning
	}
}

// stopDetail is what StopExecution records as the termination's details, so
// that GetExecutionHistory can show ExecutionStopped {error, cause}.
type stopDetail struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

func (s *Server) startExecution(ctx context.Context, r *request) (replier, error) {
	flowName, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	name := r.param("ExecutionName")
	if name == "" {
		// Prefixed: a bare UUID may start with a digit, which the naming rule
		// forbids.
		name = "exec-" + uuid.NewString()
	} else if err := checkName("ExecutionName", name); err != nil {
		return nil, err
	}
	if r.param("CallbackFnFTaskToken") != "" {
		return nil, errInvalidArgument("CallbackFnFTaskToken is not supported: fnflow cannot report a child execution's end to a parent task yet.")
	}
	// Checked before anything is created: an input Temporal stored but the
	// execution could not read would leave it broken for good.
	in, _, err := jsonPayload(r, "Input")
	if err != nil {
		return nil, err
	}
	f, err := s.flow(ctx, flowName)
	if err != nil {
		return nil, err
	}
	parsed, diags := fdl.Parse(flowName, []byte(f.Definition))
	if diags.HasErrors() {
		// The definition was valid when stored; the language got stricter.
		return nil, errInvalidArgument("The definition of flow %s is no longer valid; update the flow:\n%v", flowName, diags.Err())
	}
	run, err := s.cfg.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       interpreter.ExecutionWorkflowID(flowName, name),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowExecutionTimeout: time.Duration(parsed.TimeoutSeconds) * time.Second,
		// An execution name is used once: a running execution of that name is
		// returned as it is, an ended one refuses the start.
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            fmt.Sprintf("fnflow execution %s of flow %s", name, flowName),
	}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{
		FlowName:      flowName,
		ExecutionName: name,
		Definition:    f.Definition,
		Input:         in,
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, newError(http.StatusBadRequest, "ExecutionAlreadyExists", "Execution %s for flow %s already exists.", name, flowName)
	}
	if err != nil {
		return nil, fmt.Errorf("starting execution %s of flow %s: %w", name, flowName, err)
	}
	// Read back rather than echo the request: when the execution was already
	// running, its own input and start time are the answer.
	obj, _, err := s.execution(ctx, flowName, name, run.GetRunID())
	if err != nil {
		return nil, err
	}
	return &executionReply{executionObject: obj}, nil
}

func (s *Server) describeExecution(ctx context.Context, r *request) (replier, error) {
	flowName, name, err := executionNames(r)
	if err != nil {
		return nil, err
	}
	wait, err := r.intParam("WaitTimeSeconds", 0, 0, 60)
	if err != nil {
		return nil, err
	}
	// An execution of a deleted flow is not shown, as in the managed service.
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	obj, info, err := s.execution(ctx, flowName, name, "")
	if err != nil {
		return nil, err
	}
	if wait > 0 && obj.Status == statusRunning {
		if obj, err = s.awaitExecution(ctx, flowName, name, info.GetExecution(), time.Duration(wait)*time.Second); err != nil {
			return nil, err
		}
	}
	return &executionReply{executionObject: obj}, nil
}

// awaitRound bounds one long poll of awaitExecution. The server's long poll
// for a workflow's result can miss the notification that the workflow ended
// and then sleeps until its own long-poll interval (history.
// longPollExpirationInterval, 20 s) is over: on the embedded server about one
// wait in two hundred ended 20 s after an execution that took 30 ms. Waiting
// in rounds and asking for the workflow's status after each bounds such a
// miss to one round, at the cost of one DescribeWorkflowExecution per round
// of a long wait.
const awaitRound = time.Second

// awaitExecution waits up to wait for a running execution to end and
// describes it again.
func (s *Server) awaitExecution(ctx context.Context, flow, name string, exec *commonpb.WorkflowExecution, wait time.Duration) (executionObject, error) {
	deadline := time.Now().Add(wait)
	for time.Until(deadline) > 0 {
		roundCtx, cancel := context.WithTimeout(ctx, min(time.Until(deadline), awaitRound))
		// Whatever ended the round (the end, the time running out, an
		// error), the status below tells whether to wait on.
		_ = s.cfg.Temporal.GetWorkflow(roundCtx, exec.GetWorkflowId(), exec.GetRunId()).Get(roundCtx, nil)
		cancel()
		if err := ctx.Err(); err != nil {
			return executionObject{}, err
		}
		info, err := s.describe(ctx, flow, name, exec.GetRunId())
		if err != nil {
			return executionObject{}, err
		}
		if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			break
		}
	}
	obj, _, err := s.execution(ctx, flow, name, exec.GetRunId())
	return obj, err
}

func (s *Server) stopExecution(ctx context.Context, r *request) (replier, error) {
	flowName, name, err := executionNames(r)
	if err != nil {
		return nil, err
	}
	detail := stopDetail{Error: r.param("Error"), Cause: r.param("Cause")}
	if utf8.RuneCountInString(detail.Error) > 128 {
		return nil, errInvalidArgument("The parameter Error must be at most 128 characters.")
	}
	if utf8.RuneCountInString(detail.Cause) > 4096 {
		return nil, errInvalidArgument("The parameter Cause must be at most 4096 characters.")
	}
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	desc, err := s.describe(ctx, flowName, name, "")
	if err != nil {
		return nil, err
	}
	alreadyCompleted := newError(http.StatusBadRequest, "ExecutionAlreadyCompleted", "Execution '%s' for flow '%s' has already completed.", name, flowName)
	if desc.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil, alreadyCompleted
	}
	exec := desc.GetExecution()
	// The reason is for people reading Temporal; the details are for the
	// ExecutionStopped event.
	reason := fmt.Sprintf("StopExecution (error %q, cause %q)", detail.Error, detail.Cause)
	err = s.cfg.Temporal.TerminateWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), reason, detail)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// It ended between the description and the termination.
		return nil, alreadyCompleted
	}
	if err != nil {
		return nil, fmt.Errorf("stopping execution %s of flow %s: %w", name, flowName, err)
	}
	obj, _, err := s.execution(ctx, flowName, name, exec.GetRunId())
	if err != nil {
		return nil, err
	}
	return &executionReply{executionObject: obj}, nil
}

// executionNames reads and checks FlowName and ExecutionName.
func executionNames(r *request) (flow, execution string, err error) {
	if flow, err = nameParam(r, "FlowName"); err != nil {
		return "", "", err
	}
	if execution, err = executionName(r); err != nil {
		return "", "", err
	}
	return flow, execution, nil
}

func executionName(r *request) (string, error) { return nameParam(r, "ExecutionName") }

// describe describes an execution's workflow (its latest run when runID is
// ""), answering ExecutionNotExists when there is none.
func (s *Server) describe(ctx context.Context, flow, name, runID string) (*workflowpb.WorkflowExecutionInfo, error) {
	resp, err := s.cfg.Temporal.DescribeWorkflowExecution(ctx, interpreter.ExecutionWorkflowID(flow, name), runID)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil, errExecutionNotExists(flow, name)
	}
	if err != nil {
		return nil, fmt.Errorf("describing execution %s of flow %s: %w", name, flow, err)
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetType().GetName() != interpreter.ExecutionWorkflow {
		return nil, errExecutionNotExists(flow, name)
	}
	return info, nil
}

// execution reads everything the execution object shows: the workflow's
// description, the input and definition it started with and, once it
// succeeded, its output.
func (s *Server) execution(ctx context.Context, flow, name, runID string) (executionObject, *workflowpb.WorkflowExecutionInfo, error) {
	info, err := s.describe(ctx, flow, name, runID)
	if err != nil {
		return executionObject{}, nil, err
	}
	obj := executionSummary(flow, info)
	startEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if err != nil {
		return executionObject{}, nil, err
	}
	var in interpreter.ExecutionInput
	if err := fromPayloads(startEvent.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return executionObject{}, nil, fmt.Errorf("reading the input of execution %s of flow %s: %w", name, flow, err)
	}
	if in.Input == nil {
		in.Input = map[string]any{}
	}
	input, err := payload.Marshal(in.Input)
	if err != nil {
		return executionObject{}, nil, fmt.Errorf("encoding the input of execution %s of flow %s: %w", name, flow, err)
	}
	obj.Input, obj.FlowDefinition = string(input), in.Definition
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		closeEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		if err != nil {
			return executionObject{}, nil, err
		}
		var output json.RawMessage
		if err := fromPayloads(closeEvent.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &output); err != nil {
			return executionObject{}, nil, fmt.Errorf("reading the output of execution %s of flow %s: %w", name, flow, err)
		}
		obj.Output = string(output)
	}
	return obj, info, nil
}

// executionSummary is the part of the execution object visibility knows.
func executionSummary(flow string, info *workflowpb.WorkflowExecutionInfo) executionObject {
	obj := executionObject{
		Name:        strings.TrimPrefix(info.GetExecution().GetWorkflowId(), interpreter.ExecutionWorkflowID(flow, "")),
		FlowName:    flow,
		Status:      executionStatus(info.GetStatus()),
		StartedTime: formatTime(info.GetStartTime().AsTime()),
	}
	if info.GetCloseTime() != nil {
		obj.StoppedTime = formatTime(info.GetCloseTime().AsTime())
	}
	return obj
}

// historyEvent reads the first event of an execution's Temporal history
// that filter selects: the start event, or with the close-event filter the
// event that closed the run.
func (s *Server) historyEvent(ctx context.Context, exec *commonpb.WorkflowExecution, filter enumspb.HistoryEventFilterType) (*historypb.HistoryEvent, error) {
	resp, err := s.cfg.Temporal.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:              s.cfg.Namespace,
		Execution:              exec,
		MaximumPageSize:        1,
		HistoryEventFilterType: filter,
	})
	if err != nil {
		return nil, fmt.Errorf("reading the history of workflow %s: %w", exec.GetWorkflowId(), err)
	}
	events := resp.GetHistory().GetEvents()
	if len(events) == 0 {
		return nil, fmt.Errorf("reading the history of workflow %s: no such event", exec.GetWorkflowId())
	}
	return events[0], nil
}
