package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

const (
	// maxForm bounds a report's form: the fnf API's 1 MiB output and room
	// for the field names.
	maxForm = 1<<20 + 4096
	// settle bounds how long a report waits for the execution to record it,
	// so that the page it leads to shows the step done.
	settle = 5 * time.Second
)

// waitingTask is a callback step that waits for a report. Its token stays
// on the server: the forms name the step by its TaskScheduled event.
type waitingTask struct {
	Flow, Execution string
	Step            string
	TaskEventID     int64
	Since           time.Time
	token           string
}

// waiting reads the callback steps of an execution that wait for a report
// (executions.Service.Waiting): handed over, so their token exists.
func (h *Handler) waiting(ctx context.Context, flow, name string) ([]waitingTask, error) {
	pending, err := h.cfg.Executions.Waiting(ctx, flow, name)
	if err != nil {
		return nil, err
	}
	return reportable(pending), nil
}

// reportable keeps the waiting tasks whose hand-off is recorded, as the
// console shows them.
func reportable(pending []executions.WaitingTask) []waitingTask {
	var tasks []waitingTask
	for _, t := range pending {
		if t.Submitted && t.TaskToken != "" {
			tasks = append(tasks, waitingTask{Flow: t.FlowName, Execution: t.ExecutionName, Step: t.StepName, TaskEventID: t.TaskEventID, Since: t.Since, token: t.TaskToken})
		}
	}
	return tasks
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	h.report(w, r, func(ctx context.Context, task *callback.Task) (int, error) {
		var output map[string]any
		if err := payload.Unmarshal([]byte(r.PostFormValue("output")), &output); err != nil || output == nil {
			return http.StatusBadRequest, errors.New("the output must be a JSON object")
		}
		if err := payload.CheckNumbers(output); err != nil {
			return http.StatusBadRequest, fmt.Errorf("the output holds a %w", err)
		}
		stored, err := payload.Marshal(output)
		if err != nil {
			return http.StatusBadRequest, fmt.Errorf("the output cannot be stored: %w", err)
		}
		if len(stored) > 1<<20 {
			return http.StatusBadRequest, errors.New("the output is larger than 1 MiB")
		}
		return 0, task.Succeed(ctx, stored)
	})
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request) {
	h.report(w, r, func(ctx context.Context, task *callback.Task) (int, error) {
		errorName, cause := r.PostFormValue("error"), r.PostFormValue("cause")
		if n := utf8.RuneCountInString(errorName); n < 1 || n > 128 {
			return http.StatusBadRequest, errors.New("the error name must be 1 to 128 characters")
		}
		if utf8.RuneCountInString(cause) > 4096 {
			return http.StatusBadRequest, errors.New("the cause must be at most 4096 characters")
		}
		return 0, task.Fail(ctx, errorName, cause)
	})
}

// report finds the waiting step a form names, completes it with complete
// and, once the execution has recorded it, sends the browser back to the
// execution or the inbox. complete returns a status for a form it refuses.
func (h *Handler) report(w http.ResponseWriter, r *http.Request, complete func(context.Context, *callback.Task) (int, error)) {
	flow, name := r.PathValue("flow"), r.PathValue("execution")
	back := Path + "/flows/" + flow + "/executions/" + name
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, back, fmt.Errorf("reading the form: %w", err))
		return
	}
	taskEventID, err := strconv.ParseInt(r.PathValue("task"), 10, 64)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, back, fmt.Errorf("no task %q", r.PathValue("task")))
		return
	}
	task, err := h.find(r, flow, name, taskEventID)
	if err != nil {
		h.fail(w, r, http.StatusConflict, back, err)
		return
	}
	opened, err := h.cfg.Callbacks.Open(task.token)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, back, fmt.Errorf("opening the token of step %s: %w", task.Step, err))
		return
	}
	status, err := complete(r.Context(), opened)
	switch {
	case status != 0:
		h.fail(w, r, status, back, err)
		return
	case errors.Is(err, callback.ErrAlreadyCompleted):
		h.fail(w, r, http.StatusConflict, back, fmt.Errorf("step %s has already been reported, or its execution ended", task.Step))
		return
	case err != nil:
		h.fail(w, r, http.StatusServiceUnavailable, back, fmt.Errorf("reporting step %s: %w", task.Step, err))
		return
	}
	h.log.Info("callback step reported from the console", "flow", flow, "execution", name, "step", task.Step, "taskEventId", taskEventID, "path", r.URL.Path)
	h.awaitRecorded(r, flow, name, taskEventID)
	if r.PostFormValue("from") == "inbox" {
		back = Path + "/inbox"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// find reads the execution's waiting step.
func (h *Handler) find(r *http.Request, flow, name string, taskEventID int64) (waitingTask, error) {
	tasks, err := h.waiting(r.Context(), flow, name)
	if err != nil {
		return waitingTask{}, err
	}
	for _, t := range tasks {
		if t.TaskEventID == taskEventID {
			return t, nil
		}
	}
	return waitingTask{}, fmt.Errorf("execution %s of flow %s has no step waiting for a report as task %d: it was reported already, or the execution ended", name, flow, taskEventID)
}

// taskEnded reports whether an execution's history holds the event that
// ended the task scheduled in event taskEventID; such an event comes after
// it.
func (h *Handler) taskEnded(r *http.Request, flow, name string, taskEventID int64) (bool, error) {
	for after := taskEventID; ; {
		page, err := h.cfg.Executions.History(r.Context(), flow, name, after, maxEvents)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(page.Events, func(e executions.Event) bool {
			return e.ScheduledID == taskEventID && (e.Type == interpreter.EventTaskSucceeded || e.Type == interpreter.EventTaskFailed || e.Type == interpreter.EventTaskTimedOut)
		}) {
			return true, nil
		}
		if !page.More || len(page.Events) == 0 {
			return false, nil
		}
		after = page.Events[len(page.Events)-1].ID
	}
}

// awaitRecorded waits, up to settle, until the execution has recorded the
// report: its history holds the event that ended the task. Waiting until
// the task no longer waits is not enough: Temporal drops the pending task
// the moment the report is accepted, before the execution has run on, and
// the page would show it as it was. Past settle, or on an error reading,
// the page the browser is sent to shows what there is: the report itself
// was accepted.
func (h *Handler) awaitRecorded(r *http.Request, flow, name string, taskEventID int64) {
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) {
		if ended, err := h.taskEnded(r, flow, name, taskEventID); err != nil || ended {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
