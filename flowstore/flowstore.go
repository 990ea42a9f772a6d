// Package flowstore keeps flow definitions in Temporal itself, so that the
// gateway is stateless, any number of gateways agree, and there is no database
// besides Temporal's.
//
// Each flow is one long-lived entity workflow (type WorkflowType, ID
// WorkflowID(name)) that holds the flow record. Creating a flow starts the
// workflow with the record in its input and its memo; UpdateFlow is a Temporal
// Update that changes the record and mirrors it in the memo; DeleteFlow is an
// Update that ends the workflow. A flow exists exactly while its workflow runs.
// Reads never wait for a worker: Get describes the workflow and List lists
// running flow workflows through visibility, both reading the memo.
//
// The store checks names only as far as its IDs need; validating definitions
// is the caller's job.
package flowstore

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/payload"
)

var (
	// ErrFlowExists is returned by Create when a flow of that name exists.
	ErrFlowExists = errors.New("flow already exists")
	// ErrFlowNotFound is returned when no flow of that name exists.
	ErrFlowNotFound = errors.New("flow does not exist")
	// ErrBadNextToken is returned by List for a page token it did not hand out.
	ErrBadNextToken = errors.New("invalid next token")
)

// Flow is a flow record, with the fields of the fnf API's flow object.
type Flow struct {
	Name string
	// ID is a UUID given when the flow is created; a flow deleted and created
	// again gets a new one.
	ID          string
	Definition  string
	Description string
	Type        string
	RoleArn     string
	// ExecutionMode is ModeStandard or ModeExpress; "" (flows stored before
	// modes were checked, or deployed without one) is ModeStandard.
	ExecutionMode    string
	CreatedTime      time.Time
	LastModifiedTime time.Time
}

// The execution modes of the fnf API. An Express flow's executions are
// started with StartSyncExecution and run at most a few minutes (package
// executions); a Standard flow's with StartExecution.
const (
	ModeStandard = "Standard"
	ModeExpress  = "Express"
)

// Mode is the flow's execution mode, ModeStandard when it has none.
func (f Flow) Mode() string { return cmp.Or(f.ExecutionMode, ModeStandard) }

// Change is what an update changes. An empty field leaves the record's value
// as it is, the way the fnf API treats absent parameters.
type Change struct {
	Definition  string
	Description string
	Type        string
	RoleArn     string
	// ExecutionMode changes the mode of the executions started from now on;
	// running ones keep theirs. Updates recorded before it existed decode
	// it as "", which changes nothing.
	ExecutionMode string
}

func (c Change) apply(f Flow) Flow {
	f.Definition = cmp.Or(c.Definition, f.Definition)
	f.Description = cmp.Or(c.Description, f.Description)
	f.Type = cmp.Or(c.Type, f.Type)
	f.RoleArn = cmp.Or(c.RoleArn, f.RoleArn)
	f.ExecutionMode = cmp.Or(c.ExecutionMode, f.ExecutionMode)
	return f
}

// Store reads and writes flows through a Temporal client. Its flow workflows
// run on taskQueue, where a worker must have called Register; Create, Get and
// List work without one, Update and Delete need it.
type Store struct {
	client    client.Client
	taskQueue string
}

// New returns a Store whose flow workflows run on taskQueue.
func New(c client.Client, taskQueue string) *Store {
	return &Store{client: c, taskQueue: taskQueue}
}

// Create stores a new flow and returns it with its ID and times set. It
// returns ErrFlowExists if a flow of that name exists.
func (s *Store) Create(ctx context.Context, f Flow) (Flow, error) {
	if err := checkName(f.Name); err != nil {
		return Flow{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	f.ID = uuid.NewString()
	f.CreatedTime, f.LastModifiedTime = now, now
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        WorkflowID(f.Name),
		TaskQueue: s.taskQueue,
		// A deleted flow's workflow is closed; its name may be used again.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// In the memo from the start, so Get and List see the flow at once,
		// before any worker has run the workflow.
		Memo:          map[string]any{memoKey: f},
		StaticSummary: "fnflow flow " + f.Name,
	}, WorkflowType, f)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return Flow{}, fmt.Errorf("creating flow %s: %w", f.Name, ErrFlowExists)
	}
	if err != nil {
		return Flow{}, fmt.Errorf("creating flow %s: %w", f.Name, err)
	}
	return f, nil
}

// Get returns the flow called name, or ErrFlowNotFound.
func (s *Store) Get(ctx context.Context, name string) (Flow, error) {
	if checkName(name) != nil {
		return Flow{}, fmt.Errorf("reading flow %q: %w", name, ErrFlowNotFound)
	}
	resp, err := s.client.DescribeWorkflowExecution(ctx, WorkflowID(name), "")
	if err != nil {
		return Flow{}, fmt.Errorf("reading flow %s: %w", name, notFoundAs(err))
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return Flow{}, fmt.Errorf("reading flow %s: %w", name, ErrFlowNotFound)
	}
	f, err := fromMemo(info.GetMemo())
	if err != nil {
		return Flow{}, fmt.Errorf("reading flow %s: %w", name, err)
	}
	return f, nil
}

// Update applies change to the flow called name and returns the new record.
// A change that changes nothing leaves the record, LastModifiedTime included,
// as it is.
func (s *Store) Update(ctx context.Context, name string, change Change) (Flow, error) {
	if checkName(name) != nil {
		return Flow{}, fmt.Errorf("updating flow %q: %w", name, ErrFlowNotFound)
	}
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(name),
		UpdateName:   updateFlow,
		Args:         []any{change},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return Flow{}, fmt.Errorf("updating flow %s: %w", name, notFoundAs(err))
	}
	var f Flow
	if err := handle.Get(ctx, &f); err != nil {
		return Flow{}, fmt.Errorf("updating flow %s: %w", name, notFoundAs(err))
	}
	return f, nil
}

// Delete deletes the flow called name, or returns ErrFlowNotFound. Executions
// of the flow are not touched: each holds its own copy of the definition.
func (s *Store) Delete(ctx context.Context, name string) error {
	if checkName(name) != nil {
		return fmt.Errorf("deleting flow %q: %w", name, ErrFlowNotFound)
	}
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(name),
		UpdateName:   deleteFlow,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return fmt.Errorf("deleting flow %s: %w", name, notFoundAs(err))
	}
	if err := handle.Get(ctx, nil); err != nil {
		return fmt.Errorf("deleting flow %s: %w", name, notFoundAs(err))
	}
	return nil
}

// List returns up to limit flows, most recently created or continued first,
// and the token of the next page ("" on the last page). nextToken is "" for
// the first page. Visibility is eventually consistent: a flow created a
// moment ago may be missing for a moment.
func (s *Store) List(ctx context.Context, nextToken string, limit int) ([]Flow, string, error) {
	pageToken, err := base64.RawURLEncoding.DecodeString(nextToken)
	if err != nil {
		return nil, "", fmt.Errorf("listing flows: %w", ErrBadNextToken)
	}
	resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		PageSize:      int32(limit),
		NextPageToken: pageToken,
		Query:         fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", WorkflowType),
	})
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) && len(pageToken) > 0 {
		return nil, "", fmt.Errorf("listing flows: %w", ErrBadNextToken)
	}
	if err != nil {
		return nil, "", fmt.Errorf("listing flows: %w", err)
	}
	flows := make([]Flow, 0, len(resp.GetExecutions()))
	for _, info := range resp.GetExecutions() {
		f, err := fromMemo(info.GetMemo())
		if err != nil {
			return nil, "", fmt.Errorf("listing flows: workflow %s: %w", info.GetExecution().GetWorkflowId(), err)
		}
		flows = append(flows, f)
	}
	return flows, base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken()), nil
}

// Put creates the flow, or updates it if it exists, and returns the record.
// `fnflow dev --flows DIR` deploys with it at every start.
func (s *Store) Put(ctx context.Context, f Flow) (Flow, error) {
	// A flow deleted between the two calls makes Update miss it; creating it
	// again settles that, and a concurrent Put makes Create miss it, which the
	// next Update settles. Two rounds cover one such race; more means the
	// flow is being fought over.
	for range 2 {
		created, err := s.Create(ctx, f)
		if !errors.Is(err, ErrFlowExists) {
			return created, err
		}
		updated, err := s.Update(ctx, f.Name, Change{Definition: f.Definition, Description: f.Description, Type: f.Type, RoleArn: f.RoleArn})
		if !errors.Is(err, ErrFlowNotFound) {
			return updated, err
		}
	}
	return Flow{}, fmt.Errorf("putting flow %s: it was created and deleted concurrently, try again", f.Name)
}

// checkName refuses names the workflow IDs cannot carry unambiguously. The
// fnf naming rule (checked by the gateway) is stricter.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "/:") {
		return fmt.Errorf("flow name %q must be non-empty and hold no \"/\" or \":\"", name)
	}
	return nil
}

// notFoundAs turns Temporal's answers for a flow workflow that does not run
// into ErrFlowNotFound: no such workflow, a closed one (the flow was deleted),
// or an update refused because a delete was accepted first.
func notFoundAs(err error) error {
	var notFound *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	if errors.As(err, &notFound) || (errors.As(err, &appErr) && appErr.Type() == errDeleted) {
		return ErrFlowNotFound
	}
	return err
}

func fromMemo(memo *commonpb.Memo) (Flow, error) {
	p, ok := memo.GetFields()[memoKey]
	if !ok {
		return Flow{}, errors.New("the flow workflow has no flow record in its memo")
	}
	var f Flow
	if err := payload.Converter.FromPayload(p, &f); err != nil {
		return Flow{}, fmt.Errorf("decoding the flow record: %w", err)
	}
	return f, nil
}
