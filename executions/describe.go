package executions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

// Describe reads an execution's latest run: its status and times, the input
// and definition it started with and, once it succeeded, its output.
func (s *Service) Describe(ctx context.Context, flow, name string) (Execution, error) {
	return s.read(ctx, flow, name, "")
}

// awaitRound bounds one long poll of Await. The server's long poll for a
// workflow's result can miss the notification that the workflow ended and
// then sleeps until its own long-poll interval (history.
// longPollExpirationInterval, 20 s) is over: on the embedded server about
// one wait in two hundred ended 20 s after an execution that took 30 ms.
// Waiting in rounds and asking for the workflow's status after each bounds
// such a miss to one round, at the cost of one DescribeWorkflowExecution per
// round of a long wait.
const awaitRound = time.Second

// Await waits up to wait for the run e describes to end, and describes it
// again. An e that has ended is returned as it is.
func (s *Service) Await(ctx context.Context, e Execution, wait time.Duration) (Execution, error) {
	if e.Status != Running && e.Status != Starting {
		return e, nil
	}
	id := interpreter.ExecutionWorkflowID(e.FlowName, e.Name)
	deadline := time.Now().Add(wait)
	for time.Until(deadline) > 0 {
		roundCtx, cancel := context.WithTimeout(ctx, min(time.Until(deadline), awaitRound))
		// Whatever ended the round (the end, the time running out, an
		// error), the status below tells whether to wait on.
		_ = s.temporal.GetWorkflow(roundCtx, id, e.RunID).Get(roundCtx, nil)
		cancel()
		if err := ctx.Err(); err != nil {
			return Execution{}, err
		}
		info, err := s.describe(ctx, e.FlowName, e.Name, e.RunID)
		if err != nil {
			return Execution{}, err
		}
		if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			break
		}
	}
	return s.read(ctx, e.FlowName, e.Name, e.RunID)
}

// describe describes an execution's workflow (its latest run when runID is
// ""). A workflow of that ID that is not an execution, such as one started
// with Temporal's own tools, is ErrNotFound too: fnflow cannot read it.
func (s *Service) describe(ctx context.Context, flow, name, runID string) (*workflowpb.WorkflowExecutionInfo, error) {
	resp, err := s.describeRun(ctx, flow, name, runID)
	if err != nil {
		return nil, err
	}
	return resp.GetWorkflowExecutionInfo(), nil
}

// describeRun is describe with Temporal's whole answer, pending activities
// included.
func (s *Service) describeRun(ctx context.Context, flow, name, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	resp, err := s.temporal.DescribeWorkflowExecution(ctx, interpreter.ExecutionWorkflowID(flow, name), runID)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil, fmt.Errorf("describing execution %s of flow %s: %w", name, flow, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("describing execution %s of flow %s: %w", name, flow, err)
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetType().GetName() != interpreter.ExecutionWorkflow {
		return nil, fmt.Errorf("describing execution %s of flow %s: workflow type %s: %w", name, flow, info.GetType().GetName(), ErrNotFound)
	}
	return resp, nil
}

// read describes a run and reads from its history what the description
// lacks: the input and definition it started with, whether it has begun
// and, once it succeeded, its output.
func (s *Service) read(ctx context.Context, flow, name, runID string) (Execution, error) {
	info, err := s.describe(ctx, flow, name, runID)
	if err != nil {
		return Execution{}, err
	}
	e := summary(flow, info)
	if err := s.fill(ctx, info, &e); err != nil {
		return Execution{}, err
	}
	return e, nil
}

// fill reads into e, the summary of info's run, what its history holds: the
// input and definition from its start event, Starting for a run no worker
// has begun, and the output of a run that succeeded. What it has read of a
// run once it takes from the run cache.
func (s *Service) fill(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, e *Execution) error {
	running := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	succeeded := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	entry, cached := s.runs.get(info.GetExecution().GetRunId())
	read := false
	// A run not begun when it was cached may have begun since.
	if !cached || (running && !entry.begun) {
		read = true
		startEvent, begun, err := s.opening(ctx, info.GetExecution(), running)
		if err != nil {
			return fmt.Errorf("execution %s of flow %s: %w", e.Name, e.FlowName, err)
		}
		in, err := startInputOf(info, startEvent)
		if err != nil {
			return fmt.Errorf("execution %s of flow %s: %w", e.Name, e.FlowName, err)
		}
		if entry.input, err = payload.Marshal(in.Input); err != nil {
			return fmt.Errorf("encoding the input of execution %s of flow %s: %w", e.Name, e.FlowName, err)
		}
		entry.runID, entry.definition = info.GetExecution().GetRunId(), in.Definition
		// A run that ended is past starting whether or not it began.
		entry.begun = begun || !running
	}
	if succeeded && !entry.hasOutput {
		closeEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		if err != nil {
			return err
		}
		if err := fromPayloads(closeEvent.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &entry.output); err != nil {
			return fmt.Errorf("reading the output of execution %s of flow %s: %w", e.Name, e.FlowName, err)
		}
		entry.hasOutput, read = true, true
	}
	if read {
		s.runs.put(entry)
	}
	if running && !entry.begun {
		e.Status = Starting
	}
	e.Input, e.Definition = entry.input, entry.definition
	if succeeded {
		e.Output = entry.output
	}
	return nil
}

// openingPage is how many events a page of opening reads: a run that began
// normally has completed its first workflow task by its fourth event.
const openingPage = 4

// opening reads a run's start event and, when running is set, whether the
// run has begun: whether a workflow task of it completed, the first of
// which logs ExecutionStarted. It reads one event of a run that ended,
// and pages of openingPage events of a running one until a completed
// workflow task or the end of its history: a run that never completed one
// has no more than a few events (Temporal does not record the retries of a
// failing first task).
func (s *Service) opening(ctx context.Context, exec *commonpb.WorkflowExecution, running bool) (start *historypb.HistoryEvent, begun bool, err error) {
	req := &workflowservice.GetWorkflowExecutionHistoryRequest{Namespace: s.namespace, Execution: exec, MaximumPageSize: 1}
	if running {
		req.MaximumPageSize = openingPage
	}
	for {
		resp, err := s.temporal.WorkflowService().GetWorkflowExecutionHistory(ctx, req)
		if err != nil {
			return nil, false, fmt.Errorf("reading the history of workflow %s: %w", exec.GetWorkflowId(), err)
		}
		for _, event := range resp.GetHistory().GetEvents() {
			if start == nil {
				start = event
			}
			if event.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
				begun = true
			}
		}
		if start == nil {
			return nil, false, fmt.Errorf("reading the history of workflow %s: no start event", exec.GetWorkflowId())
		}
		if !running || begun || len(resp.GetNextPageToken()) == 0 {
			return start, begun, nil
		}
		req.NextPageToken = resp.GetNextPageToken()
	}
}

// startInput reads what the execution was started with from its start
// event; an absent execution input is {}.
func (s *Service) startInput(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) (interpreter.ExecutionInput, error) {
	startEvent, err := s.historyEvent(ctx, info.GetExecution(), enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if err != nil {
		return interpreter.ExecutionInput{}, err
	}
	return startInputOf(info, startEvent)
}

func startInputOf(info *workflowpb.WorkflowExecutionInfo, startEvent *historypb.HistoryEvent) (interpreter.ExecutionInput, error) {
	var in interpreter.ExecutionInput
	if err := fromPayloads(startEvent.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return interpreter.ExecutionInput{}, fmt.Errorf("reading the start input of workflow %s: %w", info.GetExecution().GetWorkflowId(), err)
	}
	if in.Input == nil {
		in.Input = map[string]any{}
	}
	return in, nil
}

// summary is the part of an execution visibility knows.
func summary(flow string, info *workflowpb.WorkflowExecutionInfo) Execution {
	e := Execution{
		FlowName:    flow,
		Name:        strings.TrimPrefix(info.GetExecution().GetWorkflowId(), interpreter.ExecutionWorkflowID(flow, "")),
		Status:      statusOf(info.GetStatus()),
		StartedTime: info.GetStartTime().AsTime(),
		RunID:       info.GetExecution().GetRunId(),
	}
	if info.GetCloseTime() != nil {
		e.StoppedTime = info.GetCloseTime().AsTime()
	}
	return e
}

// historyEvent reads the first event of an execution's Temporal history
// that filter selects: the start event, or with the close-event filter the
// event that closed the run.
func (s *Service) historyEvent(ctx context.Context, exec *commonpb.WorkflowExecution, filter enumspb.HistoryEventFilterType) (*historypb.HistoryEvent, error) {
	resp, err := s.temporal.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:              s.namespace,
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

// fromPayloads decodes what Temporal holds with fnflow's converter, so that
// numbers come back exactly as they were sent.
func fromPayloads(p *commonpb.Payloads, valuePtr any) error {
	return payload.Converter.FromPayloads(p, valuePtr)
}
