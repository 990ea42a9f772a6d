package executions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
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
// in each execution's history (ListWithPayloads reads them). Visibility
// cannot tell Starting from Running, so a running item is Running, except
// under the Running and Starting filters: they read each running
// execution's first events (see opening) and keep those of their status, so
// that their pages may hold fewer than pageSize items.
func (s *Service) List(ctx context.Context, flow string, filter Filter, pageSize int, pageToken []byte) (Page, error) {
	return s.list(ctx, flow, filter, pageSize, pageToken, false)
}

// ListWithPayloads is List with each item's Input, Definition and, once it
// succeeded, Output, as Describe has them, Starting told from Running: it
// costs one or two history reads an item, listConcurrency at a time.
func (s *Service) ListWithPayloads(ctx context.Context, flow string, filter Filter, pageSize int, pageToken []byte) (Page, error) {
	return s.list(ctx, flow, filter, pageSize, pageToken, true)
}

// listConcurrency bounds the history reads of one page in flight at once.
const listConcurrency = 8

func (s *Service) list(ctx context.Context, flow string, filter Filter, pageSize int, pageToken []byte, payloads bool) (Page, error) {
	query, err := listQuery(flow, filter)
	if err != nil {
		return Page{}, fmt.Errorf("listing executions of flow %s: %w", flow, err)
	}
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		PageSize:      int32(pageSize),
		NextPageToken: pageToken,
		Query:         query,
	})
	if err != nil {
		return Page{}, fmt.Errorf("listing executions of flow %s: %w", flow, err)
	}
	prefix := interpreter.ExecutionWorkflowID(flow, filter.NamePrefix)
	var infos []*workflowpb.WorkflowExecutionInfo
	for _, info := range resp.GetExecutions() {
		// SQL visibility matches STARTS_WITH without case: flow F's query
		// also finds flow f's executions. A page may come out short.
		if strings.HasPrefix(info.GetExecution().GetWorkflowId(), prefix) {
			infos = append(infos, info)
		}
	}
	items := make([]Execution, len(infos))
	errs := make([]error, len(infos))
	tell := filter.Status == Running || filter.Status == Starting
	slots := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, info := range infos {
		items[i] = summary(flow, info)
		running := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
		if !payloads && !(tell && running) {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if payloads {
				errs[i] = s.fill(ctx, info, &items[i])
				return
			}
			_, begun, err := s.opening(ctx, info.GetExecution(), true)
			if err == nil && !begun {
				items[i].Status = Starting
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Page{}, fmt.Errorf("listing executions of flow %s: %w", flow, err)
	}
	page := Page{Executions: make([]Execution, 0, len(items)), NextPageToken: resp.GetNextPageToken()}
	for _, e := range items {
		if filter.Status == "" || e.Status == filter.Status {
			page.Executions = append(page.Executions, e)
		}
	}
	return page, nil
}

// listQuery is the visibility query for a flow's executions that filter
// selects. Starting and Running both select running workflows: List tells
// them apart.
func listQuery(flow string, filter Filter) (string, error) {
	if !fdl.ValidNamePrefix(filter.NamePrefix) {
		return "", fmt.Errorf("name prefix %q: %w", filter.NamePrefix, ErrInvalidFilter)
	}
	query := fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH '%s'",
		interpreter.ExecutionWorkflow, interpreter.ExecutionWorkflowID(flow, filter.NamePrefix))
	if filter.Status != "" {
		cond, err := statusCondition(filter.Status)
		if err != nil {
			return "", err
		}
		query += " AND " + cond
	}
	if !filter.StartedFrom.IsZero() {
		query += fmt.Sprintf(" AND StartTime >= '%s'", filter.StartedFrom.UTC().Format(time.RFC3339Nano))
	}
	if !filter.StartedUntil.IsZero() {
		query += fmt.Sprintf(" AND StartTime <= '%s'", filter.StartedUntil.UTC().Format(time.RFC3339Nano))
	}
	return query, nil
}

// statusCondition is the visibility condition for a status.
func statusCondition(status Status) (string, error) {
	switch status {
	case Starting, Running:
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
