package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/token"
)

// executionObject is the fnf API's execution object. ExternalInputUri and
// ExternalOutputUri are left out: fnflow never stores payloads outside the
// execution, and a missing field decodes as "" in every SDK.
type executionObject struct {
	Name           string
	FlowName       string
	Status         string
	Input          string `json:",omitempty"`
	Output         string `json:",omitempty"`
	FlowDefinition string `json:",omitempty"`
	StartedTime    string
	StoppedTime    string `json:",omitempty"`
}

func newExecutionObject(e executions.Execution) executionObject {
	return executionObject{
		Name:           e.Name,
		FlowName:       e.FlowName,
		Status:         string(e.Status),
		Input:          string(e.Input),
		Output:         string(e.Output),
		FlowDefinition: e.Definition,
		StartedTime:    formatTime(e.StartedTime),
		StoppedTime:    formatTime(e.StoppedTime),
	}
}

type executionReply struct {
	reply
	executionObject
}

func newExecutionReply(e executions.Execution) *executionReply {
	return &executionReply{executionObject: newExecutionObject(e)}
}

func (s *Server) startExecution(ctx context.Context, r *request) (replier, error) {
	flowName, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	name, err := optionalNameParam(r, "ExecutionName")
	if err != nil {
		return nil, err
	}
	callbackToken := r.param("CallbackFnFTaskToken")
	if callbackToken != "" {
		// Checked now, not when the execution ends and nobody is left to
		// tell.
		if _, err := s.callbacks.Open(callbackToken); err != nil {
			return nil, errInvalidArgument("The parameter CallbackFnFTaskToken %s is not a valid task token: %v.", token.Redact(callbackToken), err)
		}
	}
	// Checked before anything is created: an input Temporal stored but the
	// execution could not read would leave it broken for good.
	in, _, err := jsonPayload(r, "Input")
	if err != nil {
		return nil, err
	}
	e, err := s.executions.Start(ctx, executions.Request{Flow: flowName, Name: name, Input: in, CallbackToken: callbackToken, Mode: flowstore.ModeStandard})
	if errors.Is(err, executions.ErrWrongMode) {
		return nil, errInvalidArgument("Flow %s is an Express flow: start its executions with StartSyncExecution, or make it Standard with UpdateFlow.", flowName)
	}
	if err != nil {
		return nil, startError(flowName, name, err)
	}
	return newExecutionReply(e), nil
}

// startError maps what a start can meet besides the flow's mode.
func startError(flowName, name string, err error) error {
	if errors.Is(err, flowstore.ErrFlowNotFound) {
		return errFlowNotExists(flowName)
	}
	var invalid *executions.InvalidDefinitionError
	if errors.As(err, &invalid) {
		return errInvalidArgument("The definition of flow %s is no longer valid; update the flow:\n%v", flowName, invalid.Diagnostics)
	}
	if errors.Is(err, executions.ErrAlreadyExists) {
		return newError(http.StatusBadRequest, "ExecutionAlreadyExists", "Execution %s for flow %s already exists.", name, flowName)
	}
	return executionError(flowName, name, err)
}

func (s *Server) describeExecution(ctx context.Context, r *request) (replier, error) {
	flowName, name, err := executionNames(r)
	if err != nil {
		return nil, err
	}
	wait, err := r.intParam("WaitTimeSeconds", 0, 0, 60)
	if err != nil {
		return nil, err
	}
	// An execution of a deleted flow is not shown, as in the managed service.
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	e, err := s.executions.Describe(ctx, flowName, name)
	if err == nil && wait > 0 {
		e, err = s.executions.Await(ctx, e, time.Duration(wait)*time.Second)
	}
	if err != nil {
		return nil, executionError(flowName, name, err)
	}
	return newExecutionReply(e), nil
}

func (s *Server) stopExecution(ctx context.Context, r *request) (replier, error) {
	flowName, name, err := executionNames(r)
	if err != nil {
		return nil, err
	}
	errorName, cause := r.param("Error"), r.param("Cause")
	if utf8.RuneCountInString(errorName) > 128 {
		return nil, errInvalidArgument("The parameter Error must be at most 128 characters.")
	}
	if utf8.RuneCountInString(cause) > 4096 {
		return nil, errInvalidArgument("The parameter Cause must be at most 4096 characters.")
	}
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	e, err := s.executions.Stop(ctx, flowName, name, errorName, cause)
	if errors.Is(err, executions.ErrAlreadyEnded) {
		return nil, newError(http.StatusBadRequest, "ExecutionAlreadyCompleted", "Execution '%s' for flow '%s' has already completed.", name, flowName)
	}
	if err != nil {
		return nil, executionError(flowName, name, err)
	}
	return newExecutionReply(e), nil
}

// executionError maps what every execution action can meet: an execution
// that does not exist. Anything else is left to asAPIError.
func executionError(flow, name string, err error) error {
	if errors.Is(err, executions.ErrNotFound) {
		notExists := errExecutionNotExists(flow, name)
		notExists.cause = err
		return notExists
	}
	return err
}

// executionNames reads and checks FlowName and ExecutionName, which may
// also be a name StartSyncExecution gave (see syncName).
func executionNames(r *request) (flow, execution string, err error) {
	if flow, err = nameParam(r, "FlowName"); err != nil {
		return "", "", err
	}
	if execution, err = r.required("ExecutionName"); err != nil {
		return "", "", err
	}
	if isSyncName(execution) {
		return flow, execution, nil
	}
	return flow, execution, checkName("ExecutionName", execution)
}
