// Package callback completes a waiting task by its callback token: the
// gateway's ReportTaskSucceeded and ReportTaskFailed, and a child execution
// reporting its end to its parent's task, go through it. The gateway's
// extensions go through it too: ReportTaskHeartbeat by token, and
// ReportStepSucceeded and ReportStepFailed by the attempt's activity.
package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/token"
)

var (
	// ErrAlreadyCompleted means the task can no longer be completed.
	// Temporal cannot tell a task that already completed from one that
	// timed out, was retried or whose execution ended (reference
	// temporal-notes.md §1.3): it answers NotFound to all of them, and for
	// the caller they are all a task that can no longer be reported, which
	// Alibaba calls TaskAlreadyCompleted.
	ErrAlreadyCompleted = errors.New("task already completed")
	// ErrRefused means Temporal refused the completion as invalid (for
	// example a result too large to store); the wrapped error says why.
	ErrRefused = errors.New("Temporal refused the completion")
)

// Completer completes tasks through a Temporal client.
type Completer struct {
	temporal client.Client
	tokens   *token.Signer
}

// New returns a Completer that opens callback tokens with tokens.
func New(c client.Client, tokens *token.Signer) *Completer {
	return &Completer{temporal: c, tokens: tokens}
}

// Task is a task whose callback token was opened (its signature checked,
// the Temporal task token inside it read), or a task attempt named by its
// workflow run and activity ID.
type Task struct {
	c *Completer
	// name names the task in errors: a redacted callback token, or the
	// activity.
	name      string
	taskToken []byte
	// namespace, workflowID, runID and activityID name the attempt when
	// taskToken is nil.
	namespace, workflowID, runID, activityID string
}

// Open checks a callback token's signature. A forged, truncated or foreign
// token is refused here, before Temporal is called; the error is
// internal/token's, saying why. Opening comes apart from completing so that
// a caller can refuse a bad token before it looks at the rest of a report.
func (c *Completer) Open(callbackToken string) (*Task, error) {
	taskToken, err := c.tokens.OpenFor(token.Callback, callbackToken)
	if err != nil {
		return nil, err
	}
	return &Task{c: c, name: "task " + token.Redact(callbackToken), taskToken: taskToken}, nil
}

// Attempt names a task attempt by its execution's workflow run and its
// activity ID in namespace (the Temporal client's), for a report that has
// no token: Temporal checks nothing but that the attempt is still pending,
// so the caller decides who may.
func (c *Completer) Attempt(namespace, workflowID, runID, activityID string) *Task {
	return &Task{c: c, name: fmt.Sprintf("task %s of %s", activityID, workflowID),
		namespace: namespace, workflowID: workflowID, runID: runID, activityID: activityID}
}

// TemporalToken is the Temporal task token a callback token opened to; nil
// for a task named by its attempt (Attempt).
func (t *Task) TemporalToken() []byte { return t.taskToken }

// Succeed completes the task with output, a JSON encoding as it will be
// stored: Temporal fails a task whose result it cannot store after
// accepting it, so the caller checks the bytes it passes.
func (t *Task) Succeed(ctx context.Context, output json.RawMessage) error {
	return t.complete(ctx, output, nil)
}

// Fail completes the task with a failure whose type is errorName, so that
// the step's retry and catch policies match it by name; its message is the
// cause.
func (t *Task) Fail(ctx context.Context, errorName, cause string) error {
	return t.complete(ctx, nil, temporal.NewApplicationError(cause, errorName))
}

// Heartbeat, for a task opened from its token, tells Temporal that whoever
// holds the token is still at work, with details (JSON; nil for none) that
// the Web UI shows on the pending activity. A task that ended, or whose step
// no longer waits for it (Temporal asks it to cancel), is
// ErrAlreadyCompleted: its worker can stop.
//
// The heartbeat always carries one payload, a null one when there are no
// details: the callback attempt's own heartbeats while it hands its work
// over carry none, and that is how ListWaitingTasks and the history tell
// whether the last heartbeat was its worker's (package executions).
func (t *Task) Heartbeat(ctx context.Context, details json.RawMessage) error {
	var detailArg any // an untyped nil encodes as the null payload
	if details != nil {
		detailArg = details
	}
	err := t.c.temporal.RecordActivityHeartbeat(ctx, t.taskToken, detailArg)
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return fmt.Errorf("recording a heartbeat of %s: %w", t.name, ErrAlreadyCompleted)
	}
	return t.classify("recording a heartbeat of", err)
}

// complete maps what Temporal answered to ErrAlreadyCompleted and
// ErrRefused. Transient errors are returned as they are: a retried
// completion is safe, a second one is refused.
func (t *Task) complete(ctx context.Context, result any, failure error) error {
	var err error
	if t.taskToken != nil {
		err = t.c.temporal.CompleteActivity(ctx, t.taskToken, result, failure)
	} else {
		err = t.c.temporal.CompleteActivityByID(ctx, t.namespace, t.workflowID, t.runID, t.activityID, result, failure)
	}
	return t.classify("completing", err)
}

func (t *Task) classify(doing string, err error) error {
	if err == nil {
		return nil
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%s %s: %w", doing, t.name, ErrAlreadyCompleted)
	}
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return fmt.Errorf("%s %s: %w: %w", doing, t.name, ErrRefused, err)
	}
	return fmt.Errorf("%s %s: %w", doing, t.name, err)
}
