// Package record keeps named records in Temporal itself, one long-lived
// entity workflow per record, so that whoever reads and writes them (the
// gateway, any number of replicas of it) keeps no state and needs no database
// besides Temporal's.
//
// A record exists while its workflow runs and is not being deleted. The
// record is mirrored in the workflow's memo from the start, so reads never
// wait for a worker: Get describes the workflow, List lists running record
// workflows through visibility. Changes are Temporal Updates that the
// workflow applies one at a time with the kind's Apply, so two writers never
// lose each other's change. flowstore keeps flows the same way; it predates
// this package and its histories are frozen, so it keeps its own copy.
package record

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/payload"
)

var (
	// ErrExists is returned by Create when a record of that name exists.
	ErrExists = errors.New("record already exists")
	// ErrNotFound is returned when no record of that name exists.
	ErrNotFound = errors.New("record does not exist")
	// ErrDeleting is returned by Create while a deleted record of that name
	// is still being purged.
	ErrDeleting = errors.New("record is being deleted")
	// ErrBadMarker is returned by List for a marker that names no record.
	ErrBadMarker = errors.New("invalid list marker")
)

// Names of a record workflow's messages and memo. They are stored in every
// record's history: renaming one breaks the records already stored.
const (
	updateName = "fnflow.record.update"
	deleteName = "fnflow.record.delete"
	memoKey    = "record"
	// refusedDeleting is the refusal code of an update that came after a
	// delete was accepted.
	refusedDeleting = "fnflow.record.deleting"
)

// Kind is one kind of record: R is the record, C a change to it.
type Kind[R, C any] struct {
	// WorkflowType is the Temporal workflow type of this kind's records.
	// Frozen: renaming it orphans the records already stored.
	WorkflowType string
	// IDPrefix followed by the name is a record's workflow ID. Frozen.
	IDPrefix string
	// Noun names a record in errors, such as "queue".
	Noun string
	// Apply applies a change inside the workflow, so it must be
	// deterministic: no I/O, and now instead of the clock. An error refuses
	// the update without a trace in the history; make it with Refuse so that
	// callers can tell refusals apart.
	Apply func(r R, c C, now time.Time) (R, error)
	// Purge, when set, is the name of an activity the workflow runs when the
	// record is deleted, before it ends, with the record's name as its input,
	// retried until it succeeds. While it runs, the record is gone for Get
	// and List and Create answers ErrDeleting. Its owner registers it.
	Purge string
}

// stored is the workflow's state and memo: the record, and whether it is
// being deleted.
type stored[R any] struct {
	Record   R
	Deleting bool
}

// WorkflowID is the Temporal workflow ID of the record called name.
func (k *Kind[R, C]) WorkflowID(name string) string { return k.IDPrefix + name }

// Register registers the kind's workflow with a worker (or a replayer).
func (k *Kind[R, C]) Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(k.workflow, workflow.RegisterOptions{Name: k.WorkflowType})
}

// workflow holds one record until it is deleted. It continues as new with
// the current record when the server suggests it, so a record changed often
// lives forever.
func (k *Kind[R, C]) workflow(ctx workflow.Context, name string, state stored[R]) error {
	refuseWhenDeleting := func() error {
		if state.Deleting {
			return Refuse(refusedDeleting, "the %s %s is being deleted", k.Noun, name)
		}
		return nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, updateName,
		func(ctx workflow.Context, c C) (R, error) {
			next, err := k.Apply(state.Record, c, workflow.Now(ctx).UTC())
			if err != nil {
				return state.Record, err
			}
			if err := workflow.UpsertMemo(ctx, map[string]any{memoKey: stored[R]{Record: next}}); err != nil {
				return state.Record, fmt.Errorf("mirroring %s %s in the memo: %w", k.Noun, name, err)
			}
			state.Record = next
			return next, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, c C) error {
			if err := refuseWhenDeleting(); err != nil {
				return err
			}
			// Refused changes are refused here, where they leave no event.
			_, err := k.Apply(state.Record, c, workflow.Now(ctx).UTC())
			return err
		}},
	); err != nil {
		return fmt.Errorf("registering %s: %w", updateName, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, deleteName,
		func(ctx workflow.Context) error {
			state.Deleting = true
			return workflow.UpsertMemo(ctx, map[string]any{memoKey: state})
		},
		workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error { return refuseWhenDeleting() }},
	); err != nil {
		return fmt.Errorf("registering %s: %w", deleteName, err)
	}

	if err := workflow.Await(ctx, func() bool {
		return state.Deleting || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	// Updates accepted in the meantime finish first, so that none is lost to
	// the end of this run.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if !state.Deleting {
		return workflow.NewContinueAsNewError(ctx, k.WorkflowType, name, state)
	}
	if k.Purge == "" {
		return nil
	}
	purge := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	return workflow.ExecuteActivity(purge, k.Purge, name).Get(ctx, nil)
}

// Store reads and writes one kind's records through a Temporal client. The
// record workflows run on taskQueue, where a worker must have registered the
// kind; Create, Get and List work without one, Update and Delete need it.
type Store[R, C any] struct {
	kind      *Kind[R, C]
	client    client.Client
	taskQueue string
}

// Store returns a Store of this kind whose workflows run on taskQueue.
func (k *Kind[R, C]) Store(c client.Client, taskQueue string) *Store[R, C] {
	return &Store[R, C]{kind: k, client: c, taskQueue: taskQueue}
}

// Create stores a new record. It returns ErrExists if a record of that name
// exists and ErrDeleting if one is still being purged.
func (s *Store[R, C]) Create(ctx context.Context, name string, r R) error {
	if err := checkName(name); err != nil {
		return err
	}
	state := stored[R]{Record: r}
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        s.kind.WorkflowID(name),
		TaskQueue: s.taskQueue,
		// A deleted record's workflow is closed; its name may be used again.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// In the memo from the start, so Get and List see the record at once,
		// before any worker has run the workflow.
		Memo:          map[string]any{memoKey: state},
		StaticSummary: "fnflow " + s.kind.Noun + " " + name,
	}, s.kind.WorkflowType, name, state)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		if _, deleting, err := s.read(ctx, name); err == nil && deleting {
			return fmt.Errorf("creating %s %s: %w", s.kind.Noun, name, ErrDeleting)
		}
		return fmt.Errorf("creating %s %s: %w", s.kind.Noun, name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("creating %s %s: %w", s.kind.Noun, name, err)
	}
	return nil
}

// Get returns the record called name, or ErrNotFound.
func (s *Store[R, C]) Get(ctx context.Context, name string) (R, error) {
	r, deleting, err := s.read(ctx, name)
	if err == nil && deleting {
		err = ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("reading %s %s: %w", s.kind.Noun, name, err)
	}
	return r, nil
}

// read returns the record of a running workflow and whether it is being
// deleted.
func (s *Store[R, C]) read(ctx context.Context, name string) (R, bool, error) {
	var zero R
	if checkName(name) != nil {
		return zero, false, ErrNotFound
	}
	resp, err := s.client.DescribeWorkflowExecution(ctx, s.kind.WorkflowID(name), "")
	if err != nil {
		return zero, false, notFoundAs(err)
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return zero, false, ErrNotFound
	}
	state, err := fromMemo[R](info.GetMemo())
	if err != nil {
		return zero, false, err
	}
	return state.Record, state.Deleting, nil
}

// Update applies change to the record called name and returns the new
// record, or the refusal of the kind's Apply.
func (s *Store[R, C]) Update(ctx context.Context, name string, change C) (R, error) {
	var r R
	if checkName(name) != nil {
		return r, fmt.Errorf("updating %s %q: %w", s.kind.Noun, name, ErrNotFound)
	}
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   s.kind.WorkflowID(name),
		UpdateName:   updateName,
		Args:         []any{change},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, &r)
	}
	if err != nil {
		return r, fmt.Errorf("updating %s %s: %w", s.kind.Noun, name, notFoundAs(err))
	}
	return r, nil
}

// Delete deletes the record called name, or returns ErrNotFound. It returns
// once the delete is accepted; the kind's Purge may still be running.
func (s *Store[R, C]) Delete(ctx context.Context, name string) error {
	if checkName(name) != nil {
		return fmt.Errorf("deleting %s %q: %w", s.kind.Noun, name, ErrNotFound)
	}
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   s.kind.WorkflowID(name),
		UpdateName:   deleteName,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s: %w", s.kind.Noun, name, notFoundAs(err))
	}
	return nil
}

// listPage is how many record workflows one visibility call reads.
const listPage = 1000

// List returns the records whose names start with prefix, in name order,
// beginning after marker ("" for the first page), at most limit, and the
// marker of the next page ("" when no more remain). Visibility is eventually
// consistent: a record created a moment ago may be missing for a moment.
//
// Visibility orders by start time, not by name, so List reads every match
// and sorts them: fine for the thousands of queues or topics an account
// holds, not for millions.
func (s *Store[R, C]) List(ctx context.Context, prefix, marker string, limit int) ([]R, string, error) {
	if limit <= 0 {
		return nil, "", fmt.Errorf("listing %ss: the limit must be positive, not %d", s.kind.Noun, limit)
	}
	if strings.ContainsAny(prefix, "'\\") {
		return nil, "", nil // no name holds them
	}
	if marker != "" && (!strings.HasPrefix(marker, prefix) || checkName(marker) != nil) {
		return nil, "", fmt.Errorf("listing %ss: %w", s.kind.Noun, ErrBadMarker)
	}
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '%s%s'",
		s.kind.WorkflowType, s.kind.IDPrefix, prefix)
	type named struct {
		name string
		r    R
	}
	var all []named
	var pageToken []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			PageSize: listPage, NextPageToken: pageToken, Query: query,
		})
		if err != nil {
			return nil, "", fmt.Errorf("listing %ss: %w", s.kind.Noun, err)
		}
		for _, info := range resp.GetExecutions() {
			state, err := fromMemo[R](info.GetMemo())
			if err != nil {
				return nil, "", fmt.Errorf("listing %ss: workflow %s: %w", s.kind.Noun, info.GetExecution().GetWorkflowId(), err)
			}
			name := strings.TrimPrefix(info.GetExecution().GetWorkflowId(), s.kind.IDPrefix)
			// SQL visibility matches STARTS_WITH with a LIKE that ignores
			// case; names are case-sensitive.
			if !state.Deleting && name > marker && strings.HasPrefix(name, prefix) {
				all = append(all, named{name, state.Record})
			}
		}
		if pageToken = resp.GetNextPageToken(); len(pageToken) == 0 {
			break
		}
	}
	slices.SortFunc(all, func(a, b named) int { return strings.Compare(a.name, b.name) })
	next := ""
	if len(all) > limit {
		all = all[:limit]
		next = all[limit-1].name
	}
	records := make([]R, len(all))
	for i, n := range all {
		records[i] = n.r
	}
	return records, next, nil
}

// Refuse returns an update refusal with a code, such as
// "SubscriptionAlreadyExist", that RefusalCode finds again on the caller's
// side of Temporal.
func Refuse(code, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), code)
}

// RefusalCode returns the code of a refusal in err's chain, or "".
func RefusalCode(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

// checkName refuses names the workflow IDs and the list query cannot carry
// unambiguously. Each kind's naming rule (checked by its owner) is stricter.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "/:'\\") {
		return fmt.Errorf("name %q must be non-empty and hold none of / : ' \\: %w", name, ErrNotFound)
	}
	return nil
}

// notFoundAs turns Temporal's answers for a record workflow that does not
// run into ErrNotFound: no such workflow, a closed one, or an update refused
// because a delete was accepted first.
func notFoundAs(err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) || RefusalCode(err) == refusedDeleting {
		return ErrNotFound
	}
	return err
}

func fromMemo[R any](memo *commonpb.Memo) (stored[R], error) {
	var state stored[R]
	p, ok := memo.GetFields()[memoKey]
	if !ok {
		return state, errors.New("the record workflow has no record in its memo")
	}
	if err := payload.Converter.FromPayload(p, &state); err != nil {
		return state, fmt.Errorf("decoding the record: %w", err)
	}
	return state, nil
}
