package queues

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the message workflow, its activity and its messages. They are
// stored in every message's history, and DeliveryActivity and
// VisibilityChanged are the contract of native Temporal consumers: frozen.
const (
	// MessageWorkflow is the workflow type of a message.
	MessageWorkflow = "fnflow.mns.Message"
	// DeliveryActivity is the activity type that offers a message on
	// TaskQueue(queue); its input is a Delivery.
	DeliveryActivity = "fnflow.mns.Delivery"
	// VisibilityChanged is the type of the non-retryable application failure
	// that changes a received message's visibility; its one detail is a
	// visibilityChange.
	VisibilityChanged = "fnflow.mns.VisibilityChanged"
	// messageIDPrefix + queue + "/" + MessageId is a message's workflow ID.
	messageIDPrefix = "mns-message:"
	// deleteHeld and changeHeld are the updates that delete a held message
	// and move its hold's end.
	deleteHeld = "fnflow.mns.message.delete"
	changeHeld = "fnflow.mns.message.changeVisibility"
	// staleHold is the ApplicationError type of such an update refused
	// because its handle no longer names the message's current hold.
	staleHold = "fnflow.mns.StaleReceiptHandle"
	// priorityMemo is the memo field holding a message's priority, so that
	// Peek can order messages from a visibility listing alone.
	priorityMemo = "priority"
)

func messageWorkflowID(queue, messageID string) string {
	return messageIDPrefix + queue + "/" + messageID
}

// message is the message workflow's input. Frozen field names.
type message struct {
	Queue   string
	ID      string
	Body    string
	BodyMD5 string
	// Priority is 1 (first) to 16.
	Priority int
	// EnqueueTime is when SendMessage was called, in ms since the epoch.
	EnqueueTime int64
	// VisibilityTimeout is the queue's, in seconds, when the message was
	// sent.
	VisibilityTimeout int
}

// Delivery is the input of a DeliveryActivity task: what a receiver, the
// gateway or a native Temporal worker of any SDK, gets. Its JSON field names
// are the contract: frozen.
type Delivery struct {
	// MessageId is the message's ID: 32 uppercase hex digits.
	MessageId string
	// MessageBody is the message body as it was sent.
	MessageBody string
	// MessageBodyMD5 is the uppercase hex MD5 of MessageBody's bytes.
	MessageBodyMD5 string
	// EnqueueTime is when the message was sent, in ms since the epoch.
	EnqueueTime int64
	// Priority is 1 (served first) to 16.
	Priority int
	// PreviousDequeueCount is how many times the message was received
	// before this activity was scheduled; a receive's DequeueCount is it
	// plus the activity's attempt.
	PreviousDequeueCount int
	// FirstDequeueTime is when the message was first received, in ms since
	// the epoch, if it was before this activity was scheduled; else 0.
	FirstDequeueTime int64
}

// visibilityChange is the detail of a VisibilityChanged failure, and the
// input of changeHeld. Frozen field names.
type visibilityChange struct {
	// VisibleAt is when the message becomes visible again.
	VisibleAt time.Time
	// DequeueCount is how many times the message was received, the receive
	// whose handle changed it included.
	DequeueCount int
	// FirstDequeueTime as in Delivery.
	FirstDequeueTime int64
}

// holdRef names one hold of a message: the dequeue count of the receive
// that began it, and how many times it was moved since. It is the argument
// of deleteHeld and changeHeld, and what a hold's receipt handle carries.
type holdRef struct {
	DequeueCount int
	Moves        int
}

// messageRun is the state of one message workflow.
type messageRun struct {
	m                *message
	dequeues         int
	firstDequeueTime int64
	// holding is true while the message waits for holdUntil after a
	// visibility change; hold names that hold.
	holding   bool
	hold      holdRef
	holdUntil time.Time
	deleted   bool
}

// messageWorkflow offers a message until it is deleted or its retention
// (the workflow's execution timeout) is over.
func messageWorkflow(ctx workflow.Context, m message) error {
	run := &messageRun{m: &m}
	if err := run.handleUpdates(ctx); err != nil {
		return err
	}
	return run.offer(ctx)
}

// offer offers the message, holding it when its visibility is changed,
// until it is deleted or its retention is over.
func (run *messageRun) offer(ctx workflow.Context) error {
	for {
		change, done, err := run.deliver(ctx)
		if err != nil || done {
			return err
		}
		if change == nil {
			continue
		}
		run.dequeues, run.firstDequeueTime = change.DequeueCount, change.FirstDequeueTime
		run.holding, run.hold, run.holdUntil = true, holdRef{DequeueCount: change.DequeueCount}, change.VisibleAt
		if err := run.waitForHold(ctx); err != nil || run.deleted {
			return err
		}
		run.holding = false
	}
}

// deliver offers the message once, retried until it is received and
// deleted or its retention is over (done), or its visibility is changed
// (the change).
func (run *messageRun) deliver(ctx workflow.Context) (change *visibilityChange, done bool, err error) {
	opts := workflow.ActivityOptions{
		TaskQueue:           TaskQueue(run.m.Queue),
		StartToCloseTimeout: time.Duration(run.m.VisibilityTimeout) * time.Second,
		// A timed-out attempt is the message becoming visible again: at
		// once, as often as it takes.
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Millisecond,
			BackoffCoefficient: 1,
			MaximumInterval:    time.Millisecond,
		},
		Priority: temporal.Priority{PriorityKey: run.m.Priority},
	}
	if info := workflow.GetInfo(ctx); info.WorkflowExecutionTimeout > 0 {
		opts.ScheduleToCloseTimeout = info.WorkflowStartTime.Add(info.WorkflowExecutionTimeout).Sub(workflow.Now(ctx))
		if opts.ScheduleToCloseTimeout <= 0 {
			return nil, true, nil
		}
	}
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), DeliveryActivity, Delivery{
		MessageId:            run.m.ID,
		MessageBody:          run.m.Body,
		MessageBodyMD5:       run.m.BodyMD5,
		EnqueueTime:          run.m.EnqueueTime,
		Priority:             run.m.Priority,
		PreviousDequeueCount: run.dequeues,
		FirstDequeueTime:     run.firstDequeueTime,
	}).Get(ctx, nil)
	var appErr *temporal.ApplicationError
	var timeoutErr *temporal.TimeoutError
	switch {
	case err == nil:
		return nil, true, nil
	case errors.As(err, &timeoutErr) && timeoutErr.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
		return nil, true, nil // expired
	case errors.As(err, &appErr) && appErr.Type() == VisibilityChanged:
		change = &visibilityChange{}
		if err = appErr.Details(change); err == nil {
			return change, false, nil
		}
	}
	// A native consumer failed the activity for good, or sent a change this
	// workflow cannot read: offer the message again rather than lose it.
	// Its attempts are unknown here; count one.
	workflow.GetLogger(ctx).Warn("message delivery failed; offering it again", "message", run.m.ID, "error", err)
	run.dequeues++
	return nil, false, nil
}

// waitForHold waits until the hold ends (its end may move) or the message
// is deleted. A moved hold's timer is canceled, not left to fire for
// nothing.
func (run *messageRun) waitForHold(ctx workflow.Context) error {
	for !run.deleted {
		left := run.holdUntil.Sub(workflow.Now(ctx))
		if left <= 0 {
			return nil
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(timerCtx, left, workflow.TimerOptions{Summary: "invisible until the changed visibility ends"})
		moves := run.hold.Moves
		err := workflow.Await(ctx, func() bool { return timer.IsReady() || run.deleted || run.hold.Moves != moves })
		cancelTimer()
		if err != nil {
			return err
		}
	}
	return nil
}

// handleUpdates registers deleteHeld and changeHeld. Both act only on the
// hold their handle names.
func (run *messageRun) handleUpdates(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, deleteHeld, run.deleteHeld,
		workflow.UpdateHandlerOptions{Validator: run.checkHold},
	); err != nil {
		return fmt.Errorf("registering %s: %w", deleteHeld, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, changeHeld, run.changeHeld,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, ref holdRef, _ time.Time) error {
			return run.checkHold(ctx, ref)
		}},
	); err != nil {
		return fmt.Errorf("registering %s: %w", changeHeld, err)
	}
	return nil
}

// deleteHeld deletes the message held by the hold ref names.
func (run *messageRun) deleteHeld(ctx workflow.Context, ref holdRef) error {
	if err := run.awaitHold(ctx, ref); err != nil {
		return err
	}
	run.deleted = true
	return nil
}

// changeHeld moves the end of the hold ref names to visibleAt and returns
// the moved hold.
func (run *messageRun) changeHeld(ctx workflow.Context, ref holdRef, visibleAt time.Time) (holdRef, error) {
	if err := run.awaitHold(ctx, ref); err != nil {
		return holdRef{}, err
	}
	run.hold.Moves++
	run.holdUntil = visibleAt
	return run.hold, nil
}

// checkHold refuses an update whose handle names no current or coming hold.
// A hold is coming when its receive's VisibilityChanged failure is in the
// history but this workflow has not seen it yet: the update came in the
// same workflow task, ahead of it.
func (run *messageRun) checkHold(_ workflow.Context, ref holdRef) error {
	current := run.holding && ref == run.hold
	coming := !run.holding && ref.Moves == 0 && ref.DequeueCount > run.dequeues
	if !current && !coming {
		return temporal.NewApplicationError("the receipt handle no longer names the message's hold", staleHold)
	}
	return nil
}

// awaitHold waits for a coming hold, then checks the handle again.
func (run *messageRun) awaitHold(ctx workflow.Context, ref holdRef) error {
	if err := workflow.Await(ctx, func() bool { return run.holding || run.dequeues >= ref.DequeueCount }); err != nil {
		return err
	}
	if !run.holding || ref != run.hold || run.deleted {
		return temporal.NewApplicationError("the receipt handle no longer names the message's hold", staleHold)
	}
	return nil
}
