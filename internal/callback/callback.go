// Package callback completes a waiting task by its callback token: the
// gateway's ReportTaskSucceeded and ReportTaskFailed, and a child execution
// reporting its end to its parent's task, go through it.
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

// Task is a task whose callback token was opened: its signature checked,
// the Temporal task token inside it read.
type Task struct {
	c *Completer
	// callbackToken names the task in errors, redacted.
	callbackToken string
	taskToken     []byte
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
	return &Task{c: c, callbackToken: callbackToken, taskToken: taskToken}, nil
}

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

// complete maps what Temporal answered to ErrAlreadyCompleted and
// ErrRefused. Transient errors are returned as they are: a retried
// completion is safe, a second one is refused.
func (t *Task) complete(ctx context.Context, result any, failure error) error {
	err := t.c.temporal.CompleteActivity(ctx, t.taskToken, result, failure)
	if err == nil {
		return nil
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("completing task %s: %w", token.Redact(t.callbackToken), ErrAlreadyCompleted)
	}
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return fmt.Errorf("completing task %s: %w: %w", token.Redact(t.callbackToken), ErrRefused, err)
	}
	return fmt.Errorf("completing task %s: %w", token.Redact(t.callbackToken), err)
}
