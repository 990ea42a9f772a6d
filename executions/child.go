package executions

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

// This file is the activities' side of child flows: a child step asks here
// how to start its child, with the same plan as StartExecution, and starts it
// itself as a Temporal child workflow (interpreter/childflow.go).

// prepareChild is interpreter.PrepareChildActivity. Its errors are named as
// a flow sees them (fdl's child-flow error names): a flow that does not
// exist, a name used already, a name that is not valid. They are not
// retried by Temporal; the step's retry and catch decide.
func (s *Service) prepareChild(ctx context.Context, req interpreter.ChildRequest) (interpreter.ChildPlan, error) {
	if req.ExecutionName != "" && !fdl.ValidName(req.ExecutionName) {
		return interpreter.ChildPlan{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%q is not a valid execution name: 1 to 128 letters, digits, _ and -, starting with a letter or _", req.ExecutionName),
			fdl.ErrInvalidArgument, nil)
	}
	if req.ExecutionName != "" {
		info, err := s.describe(ctx, req.FlowName, req.ExecutionName, "")
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return interpreter.ChildPlan{}, err
		case info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && req.ReuseRunning:
			// StartExecution's rule: a running execution of that name is
			// returned as it is.
			e, err := s.read(ctx, req.FlowName, req.ExecutionName, info.GetExecution().GetRunId())
			if err != nil {
				return interpreter.ChildPlan{}, err
			}
			return interpreter.ChildPlan{Answer: startAnswer(e)}, nil
		default:
			return interpreter.ChildPlan{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("execution %s of flow %s already exists", req.ExecutionName, req.FlowName),
				fdl.ErrExecutionAlreadyExists, nil)
		}
	}
	start, err := s.plan(ctx, Request{Flow: req.FlowName, Name: req.ExecutionName, Input: req.Input})
	var invalid *InvalidDefinitionError
	switch {
	case errors.Is(err, flowstore.ErrFlowNotFound):
		return interpreter.ChildPlan{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("flow %s does not exist", req.FlowName), fdl.ErrFlowNotExists, nil)
	case errors.As(err, &invalid):
		return interpreter.ChildPlan{}, temporal.NewNonRetryableApplicationError(invalid.Error(), fdl.ErrRuntime, nil)
	case err != nil:
		return interpreter.ChildPlan{}, err
	}
	input, err := payload.Marshal(start.Input.Input)
	if err != nil {
		return interpreter.ChildPlan{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("encoding the input of the child execution: %v", err), fdl.ErrInvalidArgument, nil)
	}
	answer := startAnswer(Execution{
		FlowName:    req.FlowName,
		Name:        start.Input.ExecutionName,
		Status:      Running,
		Input:       input,
		StartedTime: time.Now(),
	})
	return interpreter.ChildPlan{Start: &start, Answer: answer}, nil
}

// startAnswer is an execution as StartExecution answers for it, the $local
// of a requestResponse child step. The definition is left out: it would
// fill the step's data for nothing.
func startAnswer(e Execution) map[string]any {
	return map[string]any{
		"Name":        e.Name,
		"FlowName":    e.FlowName,
		"Status":      string(e.Status),
		"StartedTime": e.StartedTime.UTC().Format(TimeFormat),
		"Input":       string(e.Input),
	}
}

// childOutcome is interpreter.ChildOutcomeActivity.
func (s *Service) childOutcome(ctx context.Context, req interpreter.ChildOutcomeRequest) (interpreter.ChildOutcome, error) {
	o, ended, err := s.outcome(ctx, req.FlowName, req.ExecutionName, req.RunID)
	if err != nil {
		return interpreter.ChildOutcome{}, err
	}
	if !ended {
		return interpreter.ChildOutcome{}, fmt.Errorf("child execution %s of flow %s has not ended yet", req.ExecutionName, req.FlowName)
	}
	return interpreter.ChildOutcome{Error: o.Error, Cause: o.Cause}, nil
}
