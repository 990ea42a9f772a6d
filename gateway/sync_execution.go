package gateway

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
)

// syncReply answers StartSyncExecution with the fields of the SDKs'
// StartSyncExecutionResponse (reference fnf-api.md §4). Unlike the execution
// object, it has the error: ErrorCode and ErrorMessage are the error name and
// cause of an execution that failed, was stopped or timed out.
type syncReply struct {
	reply
	FlowName     string
	Name         string
	Status       string
	Output       string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
	StartedTime  string
	StoppedTime  string `json:",omitempty"`
}

// syncWait is how long StartSyncExecution waits for its execution: the
// Express limit, which Temporal enforces as the execution's timeout, and a
// margin for Temporal to end a run that reached it.
const syncWait = executions.ExpressMaxDuration + 30*time.Second

// startSyncExecution runs an execution of an Express flow and answers once
// it has ended. The execution is an ordinary one (the same workflow, kept,
// described, listed and read like any other); only its name and its time
// limit differ.
func (s *Server) startSyncExecution(ctx context.Context, r *request) (replier, error) {
	flowName, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	base, err := optionalNameParam(r, "ExecutionName")
	if err != nil {
		return nil, err
	}
	in, _, err := jsonPayload(r, "Input")
	if err != nil {
		return nil, err
	}
	name := syncName(base)
	e, err := s.executions.Start(ctx, executions.Request{Flow: flowName, Name: name, Input: in, Mode: flowstore.ModeExpress})
	if errors.Is(err, executions.ErrWrongMode) {
		return nil, errInvalidArgument("Flow %s is a Standard flow: StartSyncExecution runs Express flows only. Use StartExecution, or make the flow Express with UpdateFlow (ExecutionMode Express).", flowName)
	}
	if err != nil {
		return nil, startError(flowName, name, err)
	}
	if e, err = s.executions.Await(ctx, e, syncWait); err != nil {
		return nil, executionError(flowName, name, err)
	}
	rep := &syncReply{
		FlowName:    e.FlowName,
		Name:        e.Name,
		Status:      string(e.Status),
		Output:      string(e.Output),
		StartedTime: formatTime(e.StartedTime),
		StoppedTime: formatTime(e.StoppedTime),
	}
	switch e.Status {
	case executions.Failed, executions.Stopped, executions.TimedOut:
		o, _, err := s.executions.Outcome(ctx, e)
		if err != nil {
			return nil, executionError(flowName, name, err)
		}
		rep.ErrorCode, rep.ErrorMessage = o.Error, o.Cause
	}
	return rep, nil
}

// syncName names a synchronous execution as the managed service does: the
// ExecutionName, which need not be unique, then ":" and a UUID ("exec" when
// no name was given).
func syncName(base string) string {
	return cmp.Or(base, "exec") + ":" + uuid.NewString()
}

// isSyncName reports whether name is one syncName gives. The other
// execution actions accept such names beside the naming rule's.
func isSyncName(name string) bool {
	base, id, ok := strings.Cut(name, ":")
	if !ok || !fdl.ValidName(base) {
		return false
	}
	parsed, err := uuid.Parse(id)
	return err == nil && parsed.String() == id
}
