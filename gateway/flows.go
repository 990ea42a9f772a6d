package gateway

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/pagetoken"
)

// flowObject is the fnf API's flow object.
type flowObject struct {
	Id               string
	Name             string
	Definition       string
	Description      string
	Type             string
	RoleArn          string
	ExecutionMode    string
	CreatedTime      string
	LastModifiedTime string
}

func newFlowObject(f flowstore.Flow) flowObject {
	return flowObject{
		Id:          f.ID,
		Name:        f.Name,
		Definition:  f.Definition,
		Description: f.Description,
		Type:        f.Type,
		RoleArn:     f.RoleArn,
		// Flows deployed by `fnflow dev --flows` have none: they are
		// Standard.
		ExecutionMode:    f.Mode(),
		CreatedTime:      formatTime(f.CreatedTime),
		LastModifiedTime: formatTime(f.LastModifiedTime),
	}
}

type flowReply struct {
	reply
	flowObject
}

// flowType is the only definition type fnflow runs.
const flowType = "FDL"

func (s *Server) createFlow(ctx context.Context, r *request) (replier, error) {
	name, err := nameParam(r, "Name")
	if err != nil {
		return nil, err
	}
	definition, err := r.required("Definition")
	if err != nil {
		return nil, err
	}
	if err := checkDefinition(name, definition); err != nil {
		return nil, err
	}
	if err := checkFlowType(r.param("Type")); err != nil {
		return nil, err
	}
	mode, err := executionMode(r)
	if err != nil {
		return nil, err
	}
	f, err := s.cfg.Flows.Create(ctx, flowstore.Flow{
		Name:          name,
		Definition:    definition,
		Description:   r.param("Description"),
		Type:          flowType,
		RoleArn:       r.param("RoleArn"),
		ExecutionMode: cmp.Or(mode, flowstore.ModeStandard),
	})
	if errors.Is(err, flowstore.ErrFlowExists) {
		return nil, newError(http.StatusConflict, "FlowAlreadyExists", "Flow %s already exists.", name)
	}
	if err != nil {
		return nil, err
	}
	return &flowReply{flowObject: newFlowObject(f)}, nil
}

func (s *Server) describeFlow(ctx context.Context, r *request) (replier, error) {
	name, err := nameParam(r, "Name")
	if err != nil {
		return nil, err
	}
	f, err := s.flow(ctx, name)
	if err != nil {
		return nil, err
	}
	return &flowReply{flowObject: newFlowObject(f)}, nil
}

func (s *Server) updateFlow(ctx context.Context, r *request) (replier, error) {
	name, err := nameParam(r, "Name")
	if err != nil {
		return nil, err
	}
	mode, err := executionMode(r)
	if err != nil {
		return nil, err
	}
	change := flowstore.Change{
		Definition:    r.param("Definition"),
		Description:   r.param("Description"),
		RoleArn:       r.param("RoleArn"),
		ExecutionMode: mode,
	}
	if change.Definition != "" {
		if err := checkDefinition(name, change.Definition); err != nil {
			return nil, err
		}
	}
	if err := checkFlowType(r.param("Type")); err != nil {
		return nil, err
	}
	f, err := s.cfg.Flows.Update(ctx, name, change)
	if errors.Is(err, flowstore.ErrFlowNotFound) {
		return nil, errFlowNotExists(name)
	}
	if err != nil {
		return nil, err
	}
	return &flowReply{flowObject: newFlowObject(f)}, nil
}

type listFlowsReply struct {
	reply
	Flows     []flowObject
	NextToken string `json:",omitempty"`
}

func (s *Server) listFlows(ctx context.Context, r *request) (replier, error) {
	limit, err := r.intParam("Limit", 60, 1, 1000)
	if err != nil {
		return nil, err
	}
	page, err := r.nextToken()
	if err != nil {
		return nil, err
	}
	flows, next, err := s.cfg.Flows.List(ctx, string(page), limit)
	if errors.Is(err, flowstore.ErrBadNextToken) {
		return nil, errInvalidArgument("The NextToken is not valid.")
	}
	if err != nil {
		return nil, err
	}
	rep := &listFlowsReply{Flows: make([]flowObject, 0, len(flows)), NextToken: pagetoken.Encode([]byte(next))}
	for _, f := range flows {
		rep.Flows = append(rep.Flows, newFlowObject(f))
	}
	return rep, nil
}

func (s *Server) deleteFlow(ctx context.Context, r *request) (replier, error) {
	name, err := nameParam(r, "Name")
	if err != nil {
		return nil, err
	}
	err = s.cfg.Flows.Delete(ctx, name)
	if errors.Is(err, flowstore.ErrFlowNotFound) {
		return nil, errFlowNotExists(name)
	}
	if err != nil {
		return nil, err
	}
	return &reply{}, nil
}

// flow loads a flow, answering FlowNotExists when there is none.
func (s *Server) flow(ctx context.Context, name string) (flowstore.Flow, error) {
	f, err := s.cfg.Flows.Get(ctx, name)
	if errors.Is(err, flowstore.ErrFlowNotFound) {
		return flowstore.Flow{}, errFlowNotExists(name)
	}
	return f, err
}

// optionalNameParam reads a name parameter that may be left out ("") and
// checks it when given.
func optionalNameParam(r *request, param string) (string, error) {
	name := r.param(param)
	if name == "" {
		return "", nil
	}
	return name, checkName(param, name)
}

// nameParam reads a flow or execution name parameter and checks it.
func nameParam(r *request, param string) (string, error) {
	name, err := r.required(param)
	if err != nil {
		return "", err
	}
	return name, checkName(param, name)
}

// checkName checks a flow or execution name against the fnf naming rule,
// which also keeps "/" and ":" out of the Temporal workflow IDs made of them.
func checkName(param, name string) error {
	if !fdl.ValidName(name) {
		return errInvalidArgument("The parameter %s %q is not valid: a name has 1 to 128 letters, digits, \"_\" or \"-\" and starts with a letter or \"_\".", param, name)
	}
	return nil
}

// checkDefinition parses a definition and refuses it with every error found,
// one "file:line:col: step path: message" line each, the file being the flow.
func checkDefinition(flow, definition string) error {
	if _, diags := fdl.Parse(flow, []byte(definition)); diags.HasErrors() {
		return errInvalidArgument("The flow definition is not valid:\n%v", diags.Err())
	}
	return nil
}

// executionMode reads the ExecutionMode parameter: Standard, Express, or ""
// when absent.
func executionMode(r *request) (string, error) {
	switch mode := r.param("ExecutionMode"); mode {
	case "", flowstore.ModeStandard, flowstore.ModeExpress:
		return mode, nil
	}
	return "", errInvalidArgument("The parameter ExecutionMode must be %s or %s.", flowstore.ModeStandard, flowstore.ModeExpress)
}

func checkFlowType(t string) error {
	if t != "" && t != flowType {
		return errInvalidArgument("The parameter Type must be %s.", flowType)
	}
	return nil
}
