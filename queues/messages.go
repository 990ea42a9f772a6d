package queues

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/payload"
)

// maxVisibilityTimeout is MNS's limit on a visibility timeout, in seconds.
const maxVisibilityTimeout = 43200

// failures encodes VisibilityChanged failures with fnflow's payload rule.
var failures = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: payload.Converter})

// DeleteMessage deletes the message a receipt handle names. A stale handle
// gives ErrMessageNotExist; a malformed, forged or other queue's handle
// ErrBadReceiptHandle.
func (s *Store) DeleteMessage(ctx context.Context, queue, receipt string) error {
	h, err := s.open(queue, receipt)
	if err != nil {
		return fmt.Errorf("deleting a message of queue %s: %w", queue, err)
	}
	if h.receiving() {
		_, err = s.client.WorkflowService().RespondActivityTaskCompleted(ctx, &workflowservice.RespondActivityTaskCompletedRequest{
			Namespace: s.cfg.Namespace,
			TaskToken: h.taskToken,
			Identity:  s.cfg.Identity,
		})
	} else {
		err = s.updateHold(ctx, h, deleteHeld, nil)
	}
	if err != nil {
		return fmt.Errorf("deleting message %s of queue %s: %w", h.messageID, queue, staleAs(err))
	}
	return nil
}

// ChangeVisibility makes the message a receipt handle names visible again
// timeout from now (0 to 43200 s; 0 makes it visible at once) and returns the
// handle that names it until then, which replaces the one given.
func (s *Store) ChangeVisibility(ctx context.Context, queue, receipt string, timeout time.Duration) (newHandle string, nextVisible time.Time, err error) {
	if timeout < 0 || timeout > maxVisibilityTimeout*time.Second {
		return "", time.Time{}, invalidArgument("VisibilityTimeout must be between 0 and %d seconds, not %v", maxVisibilityTimeout, timeout)
	}
	h, err := s.open(queue, receipt)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("changing the visibility of a message of queue %s: %w", queue, err)
	}
	visibleAt := time.Now().Add(timeout).Truncate(time.Millisecond)
	var moved holdRef
	if h.receiving() {
		err = s.failForChange(ctx, h, visibleAt)
	} else {
		err = s.updateHold(ctx, h, changeHeld, &moved, visibleAt)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("changing the visibility of message %s of queue %s: %w", h.messageID, queue, staleAs(err))
	}
	return h.holding(moved.Moves).sign(s.cfg.Handles), visibleAt, nil
}

// failForChange fails a received message's delivery attempt with the change,
// on which its workflow holds it.
func (s *Store) failForChange(ctx context.Context, h receiptHandle, visibleAt time.Time) error {
	change := visibilityChange{VisibleAt: visibleAt, DequeueCount: h.dequeueCount, FirstDequeueTime: h.firstDequeueTime}
	failure := failures.ErrorToFailure(temporal.NewNonRetryableApplicationError("visibility changed", VisibilityChanged, nil, change))
	_, err := s.client.WorkflowService().RespondActivityTaskFailed(ctx, &workflowservice.RespondActivityTaskFailedRequest{
		Namespace: s.cfg.Namespace,
		TaskToken: h.taskToken,
		Failure:   failure,
		Identity:  s.cfg.Identity,
	})
	return err
}

// updateHold sends the workflow holding a held message update (deleteHeld
// or changeHeld, or their group's counterparts) with the hold h names and
// args after it.
func (s *Store) updateHold(ctx context.Context, h receiptHandle, update string, result any, args ...any) error {
	ref := holdRef{DequeueCount: h.dequeueCount, Moves: h.moves}
	args = append([]any{ref}, args...)
	if h.group != "" {
		update = groupedUpdates[update]
		args = append([]any{h.messageID}, args...)
	}
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   h.workflowID(),
		UpdateName:   update,
		Args:         args,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return handle.Get(ctx, result)
}

// open reads a receipt handle of queue.
func (s *Store) open(queue, text string) (receiptHandle, error) {
	h, err := openHandle(s.cfg.Handles, text)
	if err != nil || h.queue != queue {
		return receiptHandle{}, ErrBadReceiptHandle
	}
	return h, nil
}

// staleAs turns Temporal's answers for a handle that no longer names the
// message as it is into ErrMessageNotExist: the attempt is over (NotFound),
// the workflow is gone (NotFound), or it refused the hold's update.
func staleAs(err error) error {
	var notFound *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	if errors.As(err, &notFound) || (errors.As(err, &appErr) && appErr.Type() == staleHold) {
		return ErrMessageNotExist
	}
	return err
}
