package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/pagetoken"
)

type listExecutionsReply struct {
	reply
	Executions []executionObject
	NextToken  string `json:",omitempty"`
}

// listExecutions lists a flow's executions. Items are execution objects, as
// DescribeExecution answers them, read from each execution's history; with
// MetadataOnly they carry the names, status and times visibility has, and
// cost no call an item (see executions.Service.List).
func (s *Server) listExecutions(ctx context.Context, r *request) (replier, error) {
	flowName, err := nameParam(r, "FlowName")
	if err != nil {
		return nil, err
	}
	limit, err := r.intParam("Limit", 60, 1, 100)
	if err != nil {
		return nil, err
	}
	filter, err := executionsFilter(r)
	if err != nil {
		return nil, err
	}
	pageToken, err := r.nextToken()
	if err != nil {
		return nil, err
	}
	metadataOnly, err := boolParam(r, "MetadataOnly")
	if err != nil {
		return nil, err
	}
	if _, err := s.flow(ctx, flowName); err != nil {
		return nil, err
	}
	list := s.executions.ListWithPayloads
	if metadataOnly {
		list = s.executions.List
	}
	page, err := list(ctx, flowName, filter, limit, pageToken)
	if err != nil {
		return nil, err
	}
	rep := &listExecutionsReply{
		Executions: make([]executionObject, 0, len(page.Executions)),
		NextToken:  pagetoken.Encode(page.NextPageToken),
	}
	for _, e := range page.Executions {
		rep.Executions = append(rep.Executions, newExecutionObject(e))
	}
	return rep, nil
}

// executionsFilter reads and checks ListExecutions' filters.
func executionsFilter(r *request) (executions.Filter, error) {
	filter := executions.Filter{NamePrefix: r.param("ExecutionNamePrefix"), Status: executions.Status(r.param("Status"))}
	if !fdl.ValidNamePrefix(filter.NamePrefix) {
		return executions.Filter{}, errInvalidArgument("The parameter ExecutionNamePrefix may hold only letters, digits, \"_\" and \"-\".")
	}
	if filter.Status != "" && !filter.Status.Known() {
		return executions.Filter{}, errInvalidArgument("The parameter Status must be one of Starting, Running, Stopped, Succeeded, Failed, TimedOut.")
	}
	for _, bound := range []struct {
		param string
		t     *time.Time
	}{{"StartedTimeBegin", &filter.StartedFrom}, {"StartedTimeEnd", &filter.StartedUntil}} {
		text := r.param(bound.param)
		if text == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return executions.Filter{}, errInvalidArgument("The parameter %s must be a UTC time like 2019-01-01T01:01:01.001Z.", bound.param)
		}
		*bound.t = t
	}
	return filter, nil
}

// boolParam reads a boolean parameter that is false when left out.
func boolParam(r *request, name string) (bool, error) {
	v, err := optionalBoolParam(r, name)
	return v != nil && *v, err
}

// optionalBoolParam reads a boolean parameter as the SDKs send one, "true"
// or "false" in any case (Python's "True" and "False" too); nil when left
// out.
func optionalBoolParam(r *request, name string) (*bool, error) {
	var v bool
	switch text := r.param(name); {
	case text == "":
		return nil, nil
	case strings.EqualFold(text, "true"):
		v = true
	case strings.EqualFold(text, "false"):
	default:
		return nil, errInvalidArgument("The parameter %s must be true or false.", name)
	}
	return &v, nil
}
