package flowgraph

import (
	"reflect"
	"testing"
)

func TestStates(t *testing.T) {
	events := func(pairs ...string) []Event {
		var out []Event
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Event{Type: pairs[i], StepName: pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		name   string
		events []Event
		want   map[string]State
	}{
		{"done, waiting, not reached", events(
			"ExecutionStarted", "",
			"StepEntered", "prepare", "StepExited", "prepare",
			"StepEntered", "approve", "TaskScheduled", "approve", "TaskSubmitted", "approve",
		), map[string]State{"prepare": StateDone, "approve": StateWaiting}},
		{"a report ends the wait", events(
			"StepEntered", "approve", "TaskScheduled", "approve", "TaskSubmitted", "approve", "TaskSucceeded", "approve",
		), map[string]State{"approve": StateRunning}},
		{"iterations: one still waits", events(
			"StepEntered", "item", "TaskSubmitted", "item", "StepEntered", "item", "TaskSubmitted", "item",
			"TaskSucceeded", "item", "StepExited", "item",
		), map[string]State{"item": StateWaiting}},
		{"a goto loop ends as its last run", events(
			"StepEntered", "try", "StepFailed", "try", "StepEntered", "try", "StepExited", "try",
		), map[string]State{"try": StateDone}},
		{"failed", events("StepEntered", "charge", "StepFailed", "charge", "ExecutionFailed", ""),
			map[string]State{"charge": StateFailed}},
		{"open when the execution was stopped", events("StepEntered", "approve", "TaskSubmitted", "approve", "ExecutionStopped", ""),
			map[string]State{"approve": StateFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := States(tt.events); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("States = %v, want %v", got, tt.want)
			}
		})
	}
}
