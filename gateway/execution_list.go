package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/interpreter"
)

type listExecutionsReply struct {
	reply
	Executions []executionObject
	NextToken  string `json:",omitempty"`
}

// listExecutions lists from Temporal's visibility store. Items carry the
// names, status and times only: Input, Output and FlowDefinition live in each
// execution's history, and reading every history would make a page cost one
// call per execution. DescribeExecution has them.
func (s *Server) listExecutions(ctx context.Context, r *request) (replier, error) {
	flowName, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	limit, err := r.intParam("Limit", 60, 1, 100)
	if err != nil {
		return nil, err
	}
	query, matchesNothing, err := executionsQuery(r, flowName)
	if err != nil {
		return nil, err
	}
	pageToken, err := r.nextToken()
	if err != nil {
		return nil, err
	}
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	if matchesNothing {
		return &listExecutionsReply{Executions: []executionObject{}}, nil
	}
	resp, err := s.cfg.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		PageSize:      int32(limit),
		NextPageToken: pageToken,
		Query:         query,
	})
	if err != nil {
		return nil, fmt.Errorf("listing executions of flow %s: %w", flowName, err)
	}
	rep := &listExecutionsReply{
		Executions: make([]executionObject, 0, len(resp.GetExecutions())),
		NextToken:  encodeNextToken(resp.GetNextPageToken()),
	}
	for _, info := range resp.GetExecutions() {
		rep.Executions = append(rep.Executions, executionSummary(flowName, info))
	}
	return rep, nil
}

// executionsQuery is the visibility query for ListExecutions' filters.
// matchesNothing is set for a filter no execution can match.
func executionsQuery(r *request, flow string) (query string, matchesNothing bool, err error) {
	prefix := r.param("ExecutionNamePrefix")
	if strings.IndexFunc(prefix, func(c rune) bool { return !isNameChar(c) }) >= 0 {
		return "", false, errInvalidArgument("The parameter ExecutionNamePrefix may hold only letters, digits, \"_\" and \"-\".")
	}
	query = fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH '%s'",
		interpreter.ExecutionWorkflow, interpreter.ExecutionWorkflowID(flow, prefix))
	switch status := r.param("Status"); status {
	case "":
	case "Starting":
		// Never reported (see statusRunning).
		matchesNothing = true
	default:
		cond, err := statusCondition(status)
		if err != nil {
			return "", false, err
		}
		query += " AND " + cond
	}
	for _, bound := range []struct{ param, op string }{{"StartedTimeBegin", ">="}, {"StartedTimeEnd", "<="}} {
		text := r.param(bound.param)
		if text == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return "", false, errInvalidArgument("The parameter %s must be a UTC time like 2019-01-01T01:01:01.001Z.", bound.param)
		}
		query += fmt.Sprintf(" AND StartTime %s '%s'", bound.op, t.UTC().Format(time.RFC3339Nano))
	}
	return query, matchesNothing, nil
}

// statusCondition is the visibility condition for a Status filter.
func statusCondition(status string) (string, error) {
	switch status {
	case statusRunning:
		return "ExecutionStatus = 'Running'", nil
	case statusSucceeded:
		return "ExecutionStatus = 'Completed'", nil
	case statusFailed:
		return "ExecutionStatus = 'Failed'", nil
	case statusStopped:
		return "(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')", nil
	case statusTimedOut:
		return "ExecutionStatus = 'TimedOut'", nil
	}
	return "", errInvalidArgument("The parameter Status must be one of Starting, Running, Stopped, Succeeded, Failed, TimedOut.")
}

func isNameChar(c rune) bool {
	return c == '_' || c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
