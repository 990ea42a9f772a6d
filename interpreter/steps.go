package interpreter

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
)

// outcome is what running one step of any kind produced.
type outcome struct {
	// local is the step's $local.
	local any
	// output, when set, is the step's output as is (a caught task's
	// errorMappings result); outputMappings are not applied.
	output map[string]any
	// emptyByDefault: without outputMappings the output is {} (parallel and
	// foreach, whose local is an array).
	emptyByDefault bool
	// gotoTarget names the sibling to continue at; "" means the next step.
	gotoTarget string
	// endsList: the step ended its list successfully (succeed).
	endsList bool
}

// runSteps runs a step list serially in sc, following gotos among the
// siblings, until the list runs out, a step ends it, or a step fails.
func (ex *execution) runSteps(ctx workflow.Context, steps []fdl.Step, sc *scope) error {
	for i := 0; i < len(steps); {
		step := steps[i]
		o, output, err := ex.runStep(ctx, step, sc)
		if err != nil {
			return err
		}
		mergeInto(sc.local, output)
		// end only stops the move to the next step; a goto on the same step
		// is still taken (docs/fdl.md).
		switch {
		case o.gotoTarget != "":
			next := indexOfStep(steps, o.gotoTarget)
			if next < 0 {
				return &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: goto target %q is not a sibling", step.Common().Path, o.gotoTarget)}
			}
			i = next
		case o.endsList || step.Common().End:
			return nil
		default:
			i++
		}
	}
	return nil
}

// runStep runs one step with its input and output mappings and logs its
// StepEntered and StepExited or StepFailed events.
func (ex *execution) runStep(ctx workflow.Context, step fdl.Step, parent *scope) (outcome, map[string]any, error) {
	c := step.Common()
	entered := ex.log.add(ctx, EventStepEntered, c.Name, 0, nil)
	o, output, err := ex.runStepBody(ctx, step, parent, entered)
	if err != nil {
		fe := asFlowError(err)
		ex.log.add(ctx, EventStepFailed, c.Name, entered, map[string]any{"error": fe.Name, "cause": fe.Cause})
		return outcome{}, nil, fe
	}
	ex.log.add(ctx, EventStepExited, c.Name, entered, map[string]any{"output": output})
	return o, output, nil
}

func (ex *execution) runStepBody(ctx workflow.Context, step fdl.Step, parent *scope, entered int64) (outcome, map[string]any, error) {
	c := step.Common()
	task, isTask := step.(*fdl.TaskStep)
	callback := isTask && task.Pattern == fdl.PatternWaitForCallback
	input, err := ex.stepInput(c, parent, entered, callback)
	if err != nil {
		return outcome{}, nil, err
	}
	ex.log.setDetail(entered, map[string]any{"input": input})
	if err := ex.limits.checkInput(c, input); err != nil {
		return outcome{}, nil, err
	}

	var o outcome
	switch s := step.(type) {
	case *fdl.TaskStep:
		o, err = ex.runTask(ctx, s, input, entered)
	case *fdl.PassStep:
		o = outcome{local: map[string]any{}}
	case *fdl.ChoiceStep:
		o, err = ex.runChoice(ctx, s, input)
	case *fdl.WaitStep:
		o, err = ex.runWait(ctx, s, input)
	case *fdl.ParallelStep:
		o, err = ex.runParallel(ctx, s, input, entered)
	case *fdl.ForeachStep:
		o, err = ex.runForeach(ctx, s, input, entered)
	case *fdl.SucceedStep:
		o = outcome{local: map[string]any{}, endsList: true}
	case *fdl.FailStep:
		err = &FlowError{Name: s.Error, Cause: s.Cause}
	default:
		err = &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: unsupported step type %q", c.Path, c.Type)}
	}
	if err != nil {
		return outcome{}, nil, err
	}
	output, err := ex.stepOutput(c, input, o, entered)
	if err != nil {
		return outcome{}, nil, err
	}
	if err := ex.limits.checkStep(c, input, o.local, output); err != nil {
		return outcome{}, nil, err
	}
	return o, output, nil
}

func indexOfStep(steps []fdl.Step, name string) int {
	for i, s := range steps {
		if s.Common().Name == name {
			return i
		}
	}
	return -1
}
