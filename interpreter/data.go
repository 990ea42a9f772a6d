package interpreter

import (
	"github.com/fnflow/fnflow/fdl"
)

// scope is a step list's parent: the input its steps see and the local their
// outputs merge into (reference fdl.md §2.2–§2.6).
type scope struct {
	input map[string]any
	local map[string]any
}

// taskTokenPlaceholder stands for $context.task.token while a callback task's
// inputMappings are evaluated; the activity swaps in the real token, which
// only exists once the activity runs. The StepEntered and TaskScheduled
// events show it as is: the token itself is in TaskSubmitted.
const taskTokenPlaceholder = "<$context.task.token: see TaskSubmitted>"

// stepInput builds a step's input: its inputMappings over the parent's input
// and local, or else the parent's input merged with its local (local wins).
func (ex *execution) stepInput(c *fdl.StepCommon, parent *scope, enteredEventID int64, callback bool) (map[string]any, error) {
	if len(c.InputMappings) == 0 {
		input := make(map[string]any, len(parent.input)+len(parent.local))
		mergeInto(input, parent.input)
		mergeInto(input, parent.local)
		return input, nil
	}
	input, err := fdl.EvalMappings(c.InputMappings, fdl.Vars{
		Input:   parent.input,
		Local:   parent.local,
		Context: ex.contextVar(c, enteredEventID, callback),
	})
	if err != nil {
		return nil, runtimeError("inputMappings", err)
	}
	return input, nil
}

// stepOutput builds a step's output from its input and local.
func (ex *execution) stepOutput(c *fdl.StepCommon, input map[string]any, o outcome, enteredEventID int64) (map[string]any, error) {
	if o.output != nil {
		return o.output, nil
	}
	if len(c.OutputMappings) > 0 {
		output, err := fdl.EvalMappings(c.OutputMappings, fdl.Vars{
			Input:   input,
			Local:   o.local,
			Context: ex.contextVar(c, enteredEventID, false),
		})
		if err != nil {
			return nil, runtimeError("outputMappings", err)
		}
		return output, nil
	}
	if o.emptyByDefault {
		return map[string]any{}, nil
	}
	switch local := o.local.(type) {
	case map[string]any:
		return local, nil
	case nil:
		return map[string]any{}, nil
	default:
		return nil, &FlowError{Name: fdl.ErrInvalidLocal, Cause: "the step result must be a JSON object when the step has no outputMappings"}
	}
}

// contextVar is $context (reference fdl.md §2.8).
func (ex *execution) contextVar(c *fdl.StepCommon, enteredEventID int64, callback bool) map[string]any {
	v := map[string]any{
		"flow":      map[string]any{"name": ex.in.FlowName},
		"execution": map[string]any{"name": ex.in.ExecutionName},
	}
	if c != nil {
		v["step"] = map[string]any{"name": c.Name, "eventId": float64(enteredEventID)}
	}
	if callback {
		v["task"] = map[string]any{"token": taskTokenPlaceholder}
	}
	return v
}

// mergeInto copies src's top-level keys into dst; later values win.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}
