package interpreter

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
)

// runChoice runs the first branch whose condition holds, else the default
// branch, else nothing (reference Q7). The branch's steps merge into the
// choice's local, which is the choice's $local.
func (ex *execution) runChoice(ctx workflow.Context, s *fdl.ChoiceStep, input map[string]any) (outcome, error) {
	branch := s.Default
	for i := range s.Choices {
		ok, err := s.Choices[i].Condition.Eval(input)
		if err != nil {
			return outcome{}, runtimeError("condition "+s.Choices[i].Condition.String(), err)
		}
		if ok {
			branch = &s.Choices[i]
			break
		}
	}
	if branch == nil {
		return outcome{local: map[string]any{}}, nil
	}
	sc := &scope{input: input, local: map[string]any{}}
	if err := ex.runSteps(ctx, branch.Steps, sc); err != nil {
		return outcome{}, err
	}
	return outcome{local: sc.local, gotoTarget: branch.Goto}, nil
}
