package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fnflow/fnflow/fnfclient"
)

// watchPoll is how often --watch asks for the events after the last one it
// has: a person watching wants the next step at once, and a page of new
// events is a cheap query.
const watchPoll = 500 * time.Millisecond

// spinner turns while a watched execution waits, on a terminal only.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// watcher shows an execution's progress as its history grows: the steps
// entered and left, what a waiting step waits for, foreach progress and the
// end. It reads each event once, asking for the events after the last one
// it has (fnflow's NextToken is that event's ID).
type watcher struct {
	out io.Writer
	// terminal: a status line (spinner, waiting steps, iterations done) is
	// rewritten in place, and durations are shown.
	terminal bool
	after    int64
	events   map[int64]fnfclient.Event
	// waiting is what each waiting task waits for, by TaskScheduled ID.
	waiting map[int64]string
	// iterations counts the finished iterations of each running foreach,
	// by its StepEntered ID; total is each one's size. The steps of an
	// iteration are not shown one by one (a foreach may have thousands):
	// the status line counts iterations instead, openIterations says
	// whether any runs.
	iterations, total map[int64]int
	openIterations    int
	status            bool
	turn              int
}

func newWatcher(out io.Writer) *watcher {
	w := &watcher{out: out, events: map[int64]fnfclient.Event{}, waiting: map[int64]string{}, iterations: map[int64]int{}, total: map[int64]int{}}
	if f, ok := out.(*os.File); ok {
		info, err := f.Stat()
		w.terminal = err == nil && info.Mode()&os.ModeCharDevice != 0
	}
	return w
}

// follow shows the execution's events until it has ended.
func (w *watcher) follow(ctx context.Context, client *fnfclient.Client, flow, name string) error {
	defer w.clearStatus()
	for {
		next := ""
		if w.after > 0 {
			next = strconv.FormatInt(w.after, 10)
		}
		page, err := client.GetExecutionHistory(ctx, flow, name, next)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			if w.show(e) {
				return nil
			}
		}
		if page.NextToken != "" {
			continue
		}
		w.showStatus()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(watchPoll):
		}
	}
}

// show prints what event e says and tells whether the execution ended.
func (w *watcher) show(e fnfclient.Event) (ended bool) {
	w.after = e.EventID
	w.events[e.EventID] = e
	var detail struct {
		Error, Cause, ResourceArn, Action, TaskToken, FlowName, ExecutionName, InvocationID string
		Total                                                                               int
	}
	_ = json.Unmarshal([]byte(e.EventDetail), &detail) // an event without detail shows by its type
	opened := w.events[e.ScheduleEventID]
	switch e.Type {
	case "StepEntered":
		if w.openIterations == 0 {
			w.line("→ %s", e.StepName)
		}
	case "StepExited":
		if total, foreach := w.total[e.ScheduleEventID]; foreach {
			w.line("✓ %s: %d iterations%s", e.StepName, total, w.took(opened, e))
		} else if w.openIterations == 0 {
			w.line("✓ %s%s", e.StepName, w.took(opened, e))
		}
		delete(w.iterations, e.ScheduleEventID)
		delete(w.total, e.ScheduleEventID)
	case "StepFailed":
		w.line("✗ %s: %s: %s", e.StepName, detail.Error, detail.Cause)
	case "TaskScheduled":
		target := detail.ResourceArn
		if detail.Action != "" {
			target = detail.Action
		}
		w.waiting[e.EventID] = fmt.Sprintf("%s (%s)", e.StepName, target)
	case "TaskSubmitted":
		switch {
		case detail.TaskToken != "":
			w.line("… %s waits for a callback", w.waiting[e.ScheduleEventID])
		case detail.ExecutionName != "":
			w.line("… %s started child execution %s of flow %s", e.StepName, detail.ExecutionName, detail.FlowName)
		case detail.InvocationID != "":
			w.line("… %s invoked asynchronously: %s", e.StepName, detail.InvocationID)
		}
	case "TaskSucceeded":
		delete(w.waiting, e.ScheduleEventID)
	case "TaskFailed", "TaskTimedOut", "TaskSubmitFailed":
		delete(w.waiting, e.ScheduleEventID)
		w.line("  %s: task failed: %s: %s", e.StepName, detail.Error, detail.Cause)
	case "IterationEntered":
		w.total[e.ScheduleEventID] = detail.Total // keyed by the foreach's StepEntered
		w.openIterations++
	case "IterationExited":
		w.iterations[opened.ScheduleEventID]++
		w.openIterations--
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionStopped", "ExecutionTimedOut":
		return true
	}
	return false
}

// took is how long an event's span lasted, on a terminal.
func (w *watcher) took(opened, closed fnfclient.Event) string {
	start, err1 := time.Parse(time.RFC3339Nano, opened.Time)
	end, err2 := time.Parse(time.RFC3339Nano, closed.Time)
	if !w.terminal || err1 != nil || err2 != nil {
		return ""
	}
	return " (" + end.Sub(start).Round(time.Millisecond).String() + ")"
}

// line prints a line of progress, under the status line's place.
func (w *watcher) line(format string, args ...any) {
	w.clearStatus()
	fmt.Fprintf(w.out, format+"\n", args...)
}

// showStatus rewrites the status line: what waits, and foreach progress.
func (w *watcher) showStatus() {
	if !w.terminal {
		return
	}
	var parts []string
	for id, total := range w.total {
		parts = append(parts, fmt.Sprintf("%s: %d of %d iterations done", w.events[id].StepName, w.iterations[id], total))
	}
	for _, waits := range w.waiting {
		parts = append(parts, "waiting: "+waits)
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		parts = []string{"running"}
	}
	w.turn++
	fmt.Fprintf(w.out, "\r\033[K%s %s", spinner[w.turn%len(spinner)], strings.Join(parts, "; "))
	w.status = true
}

func (w *watcher) clearStatus() {
	if w.status {
		fmt.Fprint(w.out, "\r\033[K")
		w.status = false
	}
}
