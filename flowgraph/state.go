package flowgraph

// State is how far an execution got with a step, for colouring its node.
type State string

const (
	StateNotReached State = ""
	StateRunning    State = "running"
	// StateWaiting: a task handed its work over and waits for a report, a
	// child or an invocation.
	StateWaiting State = "waiting"
	StateDone    State = "done"
	StateFailed  State = "failed"
)

// stateColours are the fills of the states, the same in every format.
var stateColours = map[State]string{
	StateRunning: "#bee3f8",
	StateWaiting: "#fefcbf",
	StateDone:    "#c6f6d5",
	StateFailed:  "#fed7d7",
}

// stateOrder lists the states in the order renderers declare them.
var stateOrder = []State{StateRunning, StateWaiting, StateDone, StateFailed}

// Event is what States reads of an execution's history event (reference
// fdl.md §6.6): its type and the step it is about.
type Event struct {
	Type     string
	StepName string
}

// States reads an execution's history into the state of each step it
// reached, by step name: the history names steps, not paths, so steps of
// the same name in different lists share a state. A step that runs several
// times (foreach iterations, a goto loop) waits while any run waits, runs
// while any run runs, and otherwise is as its last run ended. Once the
// execution has ended, a step still open (stopped, or cancelled with a
// failing branch) is failed.
func States(events []Event) map[string]State {
	open, waits := map[string]int{}, map[string]int{}
	last := map[string]State{}
	ended := false
	for _, e := range events {
		name := e.StepName
		switch e.Type {
		case "StepEntered":
			open[name]++
			if _, seen := last[name]; !seen {
				last[name] = StateRunning
			}
		case "StepExited":
			open[name]--
			last[name] = StateDone
		case "StepFailed":
			open[name]--
			last[name] = StateFailed
		case "TaskSubmitted":
			waits[name]++
		case "TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskSubmitFailed":
			if waits[name] > 0 {
				waits[name]--
			}
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionStopped", "ExecutionTimedOut":
			ended = true
		}
	}
	states := make(map[string]State, len(last))
	for name, s := range last {
		switch {
		case open[name] > 0 && ended:
			s = StateFailed
		case waits[name] > 0:
			s = StateWaiting
		case open[name] > 0:
			s = StateRunning
		}
		states[name] = s
	}
	return states
}

// Colour sets the state of every step node from states, by step name.
func (g *Graph) Colour(states map[string]State) {
	for _, n := range g.Nodes {
		if n.Kind == NodeStep && n.Step != nil {
			n.State = states[n.Step.Common().Name]
		}
	}
}
