package executions

import (
	"context"
	"errors"
	"fmt"

	tokenspb "go.temporal.io/server/api/token/v1"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/interpreter"
)

// ErrNotExecutionTask is returned by ReportedEvent for a task token that is
// not a waiting step of an fnflow execution: the task of another Temporal
// workflow, which keeps no FnF event log.
var ErrNotExecutionTask = errors.New("the task is not a step of an fnflow execution")

// ReportedEvent returns the ID of the event in which an execution logged
// the end of the task whose Temporal task token this is (TaskSucceeded,
// TaskFailed, TaskTimedOut or TaskSubmitFailed): the EventId the managed
// service answers a report with. Call it once the task was completed.
//
// The task is found from the token itself, which is the Temporal server's
// serialized token.v1.Task (reference temporal-notes.md §1.2): its workflow,
// run, activity type (a step's is activities.WaitForCallbackActivity) and
// activity ID, and in the activity ID (`<step path>#<id>`) the ID of the
// task's TaskScheduled event, whose ScheduleEventId the ending event
// carries. The format is the server's own, kept across server versions
// because tokens outlive upgrades; a token that does not read as one is
// ErrNotExecutionTask. The log is read with the history query, which
// Temporal answers only once the workflow task that takes the completion in
// is done: the event is there by then, so one query finds it.
func (s *Service) ReportedEvent(ctx context.Context, taskToken []byte) (int64, error) {
	task, scheduled, err := readStepToken(taskToken)
	if err != nil {
		return 0, err
	}
	for after := scheduled; ; {
		value, err := s.temporal.QueryWorkflow(ctx, task.GetWorkflowId(), task.GetRunId(), interpreter.HistoryPageQuery,
			interpreter.HistoryPageRequest{After: after})
		if err != nil {
			return 0, fmt.Errorf("reading the log of workflow %s after event %d: %w", task.GetWorkflowId(), after, err)
		}
		var page interpreter.HistoryPage
		if err := value.Get(&page); err != nil {
			return 0, fmt.Errorf("decoding the log of workflow %s after event %d: %w", task.GetWorkflowId(), after, err)
		}
		for _, e := range page.Events {
			if e.ScheduleEventID == scheduled && endsTask(e.Type) {
				return e.EventID, nil
			}
			after = e.EventID
		}
		if !page.More {
			return 0, fmt.Errorf("workflow %s has logged no end of task %s", task.GetWorkflowId(), task.GetActivityId())
		}
	}
}

// readStepToken reads a Temporal task token as the token of a callback step
// attempt of an fnflow execution: its workflow run, activity ID and, from
// the activity ID, the ID of the attempt's TaskScheduled event. Any other
// token is ErrNotExecutionTask.
func readStepToken(taskToken []byte) (task *tokenspb.Task, scheduled int64, err error) {
	task = &tokenspb.Task{}
	if err := task.Unmarshal(taskToken); err != nil {
		return nil, 0, fmt.Errorf("reading the task token: %w: %w", ErrNotExecutionTask, err)
	}
	_, scheduled, ok := parseAttemptID(task.GetActivityId())
	if task.GetActivityType() != activities.WaitForCallbackActivity || !ok {
		return nil, 0, fmt.Errorf("task %s (%s) of workflow %s: %w", task.GetActivityId(), task.GetActivityType(), task.GetWorkflowId(), ErrNotExecutionTask)
	}
	return task, scheduled, nil
}

func endsTask(t interpreter.EventType) bool {
	switch t {
	case interpreter.EventTaskSucceeded, interpreter.EventTaskFailed, interpreter.EventTaskTimedOut, interpreter.EventTaskSubmitFailed:
		return true
	}
	return false
}
