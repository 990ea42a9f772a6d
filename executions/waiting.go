package executions

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/interpreter"
)

// This file reads which callback steps wait for a report: an approval
// inbox's or an operator's view (the gateway's ListWaitingTasks), and what a
// report by step path (ReportStepSucceeded, ReportStepFailed) needs to find
// its attempt. Temporal knows which attempts are pending (the execution's
// pending activities, of type activities.WaitForCallbackActivity, ID
// "<step path>#<TaskScheduled event ID>"); the execution's FnF log knows the
// rest: the step's name, whether the attempt was handed over and when, its
// token, and which attempt of its step it is.

// ErrInvalidPageToken is returned by ListWaiting for a page token it did not
// hand out.
var ErrInvalidPageToken = errors.New("invalid page token")

// WaitingTask is one attempt of a waitForCallback step that is pending in a
// running execution.
type WaitingTask struct {
	FlowName      string
	ExecutionName string
	// WorkflowID, RunID and ActivityID name the attempt in Temporal, for a
	// report by step path.
	WorkflowID string
	RunID      string
	ActivityID string
	StepName   string
	StepPath   string
	// TaskEventID is the ID of the attempt's TaskScheduled event. Several
	// iterations of a foreach wait at the same step path; this tells them
	// apart.
	TaskEventID int64
	// Attempt counts the attempts of this entry of the step, from 1: a retry
	// is one more, and so is a hand-off made again.
	Attempt int
	// Submitted says the hand-off is recorded (TaskSubmitted) and the task
	// waits for its report; until then it is being handed over, and Since and
	// TaskToken are unset.
	Submitted bool
	Since     time.Time
	TaskToken string
	// LastHeartbeat is when the last heartbeat its worker sent was
	// recorded (zero when none came), HeartbeatDetails the JSON it carried
	// (nil when none).
	LastHeartbeat    time.Time
	HeartbeatDetails json.RawMessage
}

// Waiting reads the pending callback task attempts of an execution's latest
// run in the order they were scheduled; none when it is not running. It
// costs one DescribeWorkflowExecution and, when an attempt is pending, the
// pages of the execution's FnF log from the first pending attempt's step on
// (queries, so the execution's worker must be up).
func (s *Service) Waiting(ctx context.Context, flow, name string) ([]WaitingTask, error) {
	resp, err := s.describeRun(ctx, flow, name, "")
	if err != nil {
		return nil, err
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil, nil
	}
	var tasks []WaitingTask
	var pending []*workflowpb.PendingActivityInfo
	for _, p := range resp.GetPendingActivities() {
		if p.GetActivityType().GetName() != activities.WaitForCallbackActivity {
			continue
		}
		path, eventID, ok := parseAttemptID(p.GetActivityId())
		if !ok {
			continue // not an ID the interpreter gives
		}
		tasks = append(tasks, WaitingTask{
			FlowName:      flow,
			ExecutionName: name,
			WorkflowID:    info.GetExecution().GetWorkflowId(),
			RunID:         info.GetExecution().GetRunId(),
			ActivityID:    p.GetActivityId(),
			StepPath:      path,
			TaskEventID:   eventID,
		})
		pending = append(pending, p)
	}
	if len(tasks) == 0 {
		return nil, nil
	}
	if err := s.readAttempts(ctx, info, tasks); err != nil {
		return nil, fmt.Errorf("reading the waiting tasks of execution %s of flow %s: %w", name, flow, err)
	}
	for i, p := range pending {
		tasks[i].LastHeartbeat, tasks[i].HeartbeatDetails, _ = workerHeartbeat(p)
	}
	slices.SortFunc(tasks, func(a, b WaitingTask) int { return cmp.Compare(a.TaskEventID, b.TaskEventID) })
	return tasks, nil
}

// parseAttemptID takes apart a callback attempt's activity ID. The step path
// may hold "#" (step names may), the event ID cannot.
func parseAttemptID(id string) (path string, eventID int64, ok bool) {
	i := strings.LastIndex(id, "#")
	if i < 0 {
		return "", 0, false
	}
	eventID, err := strconv.ParseInt(id[i+1:], 10, 64)
	return id[:i], eventID, err == nil && eventID > 0
}

// readAttempts reads from the FnF log what Temporal does not know of the
// attempts (sorted or not): their step names, hand-offs, tokens and attempt
// numbers. The log is read from the first attempt's TaskScheduled until
// every attempt's TaskSubmitted is found (to its end while one is still
// being handed over), then from the earliest of their StepEntered events up
// to there, for the attempts before them.
func (s *Service) readAttempts(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, tasks []WaitingTask) error {
	byEvent := make(map[int64]*WaitingTask, len(tasks))
	first := tasks[0].TaskEventID
	for i := range tasks {
		byEvent[tasks[i].TaskEventID] = &tasks[i]
		first = min(first, tasks[i].TaskEventID)
	}
	// entered maps a TaskScheduled event to the StepEntered of its step.
	entered := map[int64]int64{}
	unsubmitted := len(tasks)
	err := s.scanLog(ctx, info, first-1, func(e interpreter.Event) bool {
		switch e.Type {
		case interpreter.EventTaskScheduled:
			entered[e.EventID] = e.ScheduleEventID
			if t := byEvent[e.EventID]; t != nil {
				t.StepName = e.StepName
			}
		case interpreter.EventTaskSubmitted:
			if t := byEvent[e.ScheduleEventID]; t != nil && !t.Submitted {
				t.Submitted, t.Since = true, e.Time
				t.TaskToken, _ = e.Detail["taskToken"].(string)
				unsubmitted--
			}
		}
		return unsubmitted > 0
	})
	if err != nil {
		return err
	}
	earliest := first
	for _, t := range tasks {
		if step, ok := entered[t.TaskEventID]; ok {
			earliest = min(earliest, step)
		}
	}
	if earliest < first {
		err = s.scanLog(ctx, info, earliest-1, func(e interpreter.Event) bool {
			if e.EventID >= first {
				return false
			}
			if e.Type == interpreter.EventTaskScheduled {
				entered[e.EventID] = e.ScheduleEventID
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	for i := range tasks {
		step := entered[tasks[i].TaskEventID]
		for scheduled, of := range entered {
			if of == step && scheduled <= tasks[i].TaskEventID {
				tasks[i].Attempt++
			}
		}
	}
	return nil
}

// scanLog reads the execution's FnF log after the event after, page by
// page, giving visit each event until it returns false or the log ends.
func (s *Service) scanLog(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, after int64, visit func(interpreter.Event) bool) error {
	for {
		page, err := s.logPage(ctx, info, after, 0)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			if !visit(e) {
				return nil
			}
			after = e.EventID
		}
		if !page.More || len(page.Events) == 0 {
			return nil
		}
	}
}

// WaitingPage is one page of ListWaiting. NextPageToken is opaque, nil on
// the last page.
type WaitingPage struct {
	Tasks         []WaitingTask
	NextPageToken []byte
}

// maxExecutionsPerWaitingPage bounds how many executions one page of
// ListWaiting looks into, so that a page of a flow with many running
// executions and few waiting tasks still answers in time. Such a page may
// hold fewer tasks than asked, even none, and a NextPageToken.
const maxExecutionsPerWaitingPage = 50

// waitingCursor is where the next page of ListWaiting starts: in the
// running execution the visibility page token ListToken lists first, after
// its task After when that execution is Execution (from its first task when
// it is another: Execution ended meanwhile). Execution is the execution's
// name across a flow, its workflow ID (flow/name) across every flow.
type waitingCursor struct {
	ListToken []byte `json:",omitempty"`
	Execution string `json:",omitempty"`
	After     int64  `json:",omitempty"`
}

// ListWaiting lists the tasks that wait for a report (handed over, not
// completed) in a flow's running executions, in one of them when execution
// is not "", or in those of every flow when flow is "" too: up to limit (at
// least 1) after the page pageToken (nil for the first) ends, by execution
// (newest first, as visibility lists them) and then by TaskEventID. Across
// a flow or every flow it lists the running executions one at a time from
// Temporal's visibility store, which is eventually consistent, and reads
// each as Waiting does: a page costs two calls per execution it looks into,
// and the log queries of those that have tasks pending.
func (s *Service) ListWaiting(ctx context.Context, flow, execution string, limit int, pageToken []byte) (WaitingPage, error) {
	scope := "every flow"
	if flow != "" {
		scope = "flow " + flow
	}
	var cur waitingCursor
	if pageToken != nil {
		if err := json.Unmarshal(pageToken, &cur); err != nil {
			return WaitingPage{}, fmt.Errorf("listing the waiting tasks of %s: %w", scope, ErrInvalidPageToken)
		}
	}
	page := WaitingPage{Tasks: []WaitingTask{}}
	if execution != "" {
		tasks, err := s.Waiting(ctx, flow, execution)
		if err != nil {
			return WaitingPage{}, err
		}
		tasks = waitingAfter(tasks, cur.After)
		if len(tasks) > limit {
			tasks = tasks[:limit]
			page.NextPageToken = encodeCursor(waitingCursor{After: tasks[limit-1].TaskEventID})
		}
		page.Tasks = append(page.Tasks, tasks...)
		return page, nil
	}
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", interpreter.ExecutionWorkflow)
	if flow != "" {
		var err error
		if query, err = listQuery(flow, Filter{Status: Running}); err != nil {
			return WaitingPage{}, fmt.Errorf("listing the waiting tasks of flow %s: %w", flow, err)
		}
	}
	listToken, current, after := cur.ListToken, cur.Execution, cur.After
	for range maxExecutionsPerWaitingPage {
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1, NextPageToken: listToken, Query: query})
		if err != nil {
			return WaitingPage{}, fmt.Errorf("listing the running executions of %s: %w", scope, err)
		}
		if len(resp.GetExecutions()) == 0 {
			return page, nil
		}
		info := resp.GetExecutions()[0]
		// Across a flow an execution is known (key) by its name, across
		// every flow by its ID, flow/name: a flow's name has no "/".
		workflowID := info.GetExecution().GetWorkflowId()
		execFlow, name, key, ours := flow, "", workflowID, true
		if flow == "" {
			execFlow, name, ours = strings.Cut(workflowID, "/")
		} else {
			name = summary(flow, info).Name
			key = name
			// SQL visibility matches STARTS_WITH without case (see List):
			// flow F's query also finds flow f's executions.
			ours = strings.HasPrefix(workflowID, interpreter.ExecutionWorkflowID(flow, ""))
		}
		if key != current {
			after = 0
		}
		var tasks []WaitingTask
		if ours {
			tasks, err = s.Waiting(ctx, execFlow, name)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return WaitingPage{}, err
			}
		}
		tasks = waitingAfter(tasks, after)
		if room := limit - len(page.Tasks); len(tasks) > room {
			page.Tasks = append(page.Tasks, tasks[:room]...)
			page.NextPageToken = encodeCursor(waitingCursor{ListToken: listToken, Execution: key, After: tasks[room-1].TaskEventID})
			return page, nil
		}
		page.Tasks = append(page.Tasks, tasks...)
		listToken, current, after = resp.GetNextPageToken(), "", 0
		if len(listToken) == 0 {
			return page, nil
		}
		if len(page.Tasks) == limit {
			break
		}
	}
	page.NextPageToken = encodeCursor(waitingCursor{ListToken: listToken})
	return page, nil
}

// waitingAfter keeps the tasks that wait for a report, after the task after.
func waitingAfter(tasks []WaitingTask, after int64) []WaitingTask {
	var kept []WaitingTask
	for _, t := range tasks {
		if t.Submitted && t.TaskEventID > after {
			kept = append(kept, t)
		}
	}
	return kept
}

func encodeCursor(c waitingCursor) []byte {
	// A struct of a byte slice, a string and a number always encodes.
	b, _ := json.Marshal(c)
	return b
}
