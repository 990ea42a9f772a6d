package interpreter

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/fdl"
)

// runParallel runs every branch concurrently on the step's input. Its local is
// the array of branch locals in declaration order. The first branch to fail
// fails the step and cancels the others (reference Q9).
func (ex *execution) runParallel(ctx workflow.Context, s *fdl.ParallelStep, input map[string]any, entered int64) (outcome, error) {
	branches := make([]func(workflow.Context) (map[string]any, error), len(s.Branches))
	for i, b := range s.Branches {
		branches[i] = func(ctx workflow.Context) (map[string]any, error) {
			opened := ex.log.add(ctx, EventBranchEntered, s.Name, entered, map[string]any{"index": float64(i)})
			sc := &scope{input: input, local: map[string]any{}}
			if err := ex.runSteps(ctx, b.Steps, sc); err != nil {
				return nil, err
			}
			ex.log.add(ctx, EventBranchExited, s.Name, opened, map[string]any{"index": float64(i)})
			return sc.local, nil
		}
	}
	locals, err := runConcurrently(ctx, branches, len(branches))
	if err != nil {
		return outcome{}, err
	}
	return outcome{local: locals, emptyByDefault: true}, nil
}

// runConcurrently runs the jobs with at most limit at once and returns their
// results in order, or the first error, after which it cancels the rest.
func runConcurrently(ctx workflow.Context, jobs []func(workflow.Context) (map[string]any, error), limit int) ([]any, error) {
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	results := make([]any, len(jobs))
	var firstErr error
	slots := workflow.NewSemaphore(ctx, int64(max(limit, 1)))
	done := workflow.NewWaitGroup(ctx)
	for i, job := range jobs {
		if err := slots.Acquire(ctx, 1); err != nil {
			break // canceled: a job failed
		}
		done.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer done.Done()
			defer slots.Release(1)
			local, err := job(ctx)
			if err != nil {
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			}
			results[i] = local
		})
	}
	done.Wait(ctx)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
