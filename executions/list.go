package executions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/interpreter"
)

// Filter selects the executions of a flow that List returns. A zero field
// selects everything.
type Filter struct {
	// NamePrefix is what names begin with: letters, digits, "_" and "-" only
	// (fdl.ValidNamePrefix), for it is quoted into the visibility query.
	NamePrefix string
	Status     Status
	// StartedFrom and StartedUntil bound the start time, both inclusive.
	StartedFrom  time.Time
	StartedUntil time.Time
}

// Page is one page of a listing. NextPageToken is opaque, nil on the last
// page.
type Page struct {
	Executions    []Execution
	NextPageToken []byte
}

// List lists a flow's executions from Temporal's visibility store, up to
// pageSize of them after the page pageToken (nil for the first) ends. Items
// carry the names, status and times only: Input, Output and Definition live
// in each execution's history, and reading every history would make a page
// cost one call per execution. Describe has them.
func (s *Service) List(ctx context.Context, flow string, filter Filter, pageSize int, pageToken []byte) (Page, error) {
	query, matchesNothing, err := listQuery(flow, filter)
	if err != nil {
		return Page{}, fmt.Errorf("listing executions of flow %s: %w", flow, err)
	}
	if matchesNothing {
		return Page{Executions: []Execution{}}, nil
	}
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		PageSize:      int32(pageSize),
		NextPageToken: pageToken,
		Query:         query,
	})
	if err != nil {
		return Page{}, fmt.Errorf("listing executions of flow %s: %w", flow, err)
	}
	page := Page{Executions: make([]Execution, 0, len(resp.GetExecutions())), NextPageToken: resp.GetNextPageToken()}
	prefix := interpreter.ExecutionWorkflowID(flow, filter.NamePrefix)
	for _, info := range resp.GetExecutions() {
		// SQL visibility matches STARTS_WITH without case: flow F's query
		// also finds flow f's executions. A page may come out short.
		if !strings.HasPrefix(info.GetExecution().GetWorkflowId(), prefix) {
			continue
		}
		page.Executions = append(page.Executions, summary(flow, info))
	}
	return page, nil
}

// listQuery is the visibility query for a flow's executions that filter
// selects. matchesNothing is set for a filter no execution can match.
func listQuery(flow string, filter Filter) (query string, matchesNothing bool, err error) {
	if !fdl.ValidNamePrefix(filter.NamePrefix) {
		return "", false, fmt.Errorf("name prefix %q: %w", filter.NamePrefix, ErrInvalidFilter)
	}
	query = fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH '%s'",
		interpreter.ExecutionWorkflow, interpreter.ExecutionWorkflowID(flow, filter.NamePrefix))
	switch filter.Status {
	case "":
	case Starting:
		return "", true, nil
	default:
		cond, err := statusCondition(filter.Status)
		if err != nil {
			return "", false, err
		}
		query += " AND " + cond
	}
	if !filter.StartedFrom.IsZero() {
		query += fmt.Sprintf(" AND StartTime >= '%s'", filter.StartedFrom.UTC().Format(time.RFC3339Nano))
	}
	if !filter.StartedUntil.IsZero() {
		query += fmt.Sprintf(" AND StartTime <= '%s'", filter.StartedUntil.UTC().Format(time.RFC3339Nano))
	}
	return query, false, nil
}

// statusCondition is the visibility condition for a status.
func statusCondition(status Status) (string, error) {
	switch status {
	case Running:
		return "ExecutionStatus = 'Running'", nil
	case Succeeded:
		return "ExecutionStatus = 'Completed'", nil
	case Failed:
		return "ExecutionStatus = 'Failed'", nil
	case Stopped:
		return "(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')", nil
	case TimedOut:
		return "ExecutionStatus = 'TimedOut'", nil
	}
	return "", fmt.Errorf("status %q: %w", status, ErrInvalidFilter)
}
