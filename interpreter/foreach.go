package interpreter

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
)

// maxConcurrentIterations is the managed service's foreach concurrency
// (reference §3.6); larger collections queue (reference Q10).
const maxConcurrentIterations = 100

// runForeach runs the steps once per element of the collection, at most 100
// at once. Each iteration's input is the step's input plus the element under
// `item` and its position under `index`. The local is the array of
// iteration locals in collection order.
func (ex *execution) runForeach(ctx workflow.Context, s *fdl.ForeachStep, input map[string]any, entered int64) (outcome, error) {
	v, err := s.Collection.Get(input)
	if err != nil {
		return outcome{}, runtimeError("iterationMapping.collection "+s.Collection.String(), err)
	}
	items, ok := v.([]any)
	if !ok {
		return outcome{}, &FlowError{Name: fdl.ErrRuntime, Cause: fmt.Sprintf("step %s: collection %s is not an array", s.Path, s.Collection)}
	}
	iterations := make([]func(workflow.Context) (map[string]any, error), len(items))
	for i, item := range items {
		iterations[i] = func(ctx workflow.Context) (map[string]any, error) {
			// The total lets a watcher show progress ("3 of 10").
			opened := ex.log.add(ctx, EventIterationEntered, s.Name, entered, map[string]any{"index": float64(i), "total": float64(len(items))})
			iterInput := make(map[string]any, len(input)+2)
			mergeInto(iterInput, input)
			iterInput[s.Item] = item
			if s.Index != "" {
				iterInput[s.Index] = float64(i)
			}
			sc := &scope{input: iterInput, local: map[string]any{}}
			if err := ex.runSteps(ctx, s.Steps, sc); err != nil {
				return nil, err
			}
			ex.log.add(ctx, EventIterationExited, s.Name, opened, map[string]any{"index": float64(i), "total": float64(len(items))})
			return sc.local, nil
		}
	}
	locals, err := runConcurrently(ctx, iterations, maxConcurrentIterations)
	if err != nil {
		return outcome{}, err
	}
	return outcome{local: locals, emptyByDefault: true}, nil
}
