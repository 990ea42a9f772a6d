package queues

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/searchattrs"
)

// A group is several messages sent together in one workflow: each is offered
// and held exactly as a message of its own is (messageRun), but they share
// the workflow's start, its visibility record and its close, which is what a
// message costs the Temporal server most (docs/benchmarks.md §5). Only
// undelayed messages are grouped: a delay is a workflow's start delay.
const (
	// GroupWorkflow is the workflow type of a group of messages. Frozen.
	GroupWorkflow = "fnflow.mns.MessageGroup"
	// groupIDMark begins the part of a group's workflow ID after its queue,
	// where a message's has its MessageId (32 hex digits, never "G").
	groupIDMark = "G"
	// deleteGrouped and changeGrouped are deleteHeld and changeHeld for a
	// message of a group: their first argument is its MessageId.
	deleteGrouped = "fnflow.mns.group.delete"
	changeGrouped = "fnflow.mns.group.changeVisibility"
	// counterLag is how long a group waits after a message is deleted or
	// expires before it tells visibility how many it still holds: a count
	// each delete would cost the server a visibility write a message, half
	// the rate grouping gains (docs/benchmarks.md §5); a group that ends
	// within it costs none.
	counterLag = time.Second
	// maxGroup is how many messages a group holds at most: a batch's.
	maxGroup = maxBatch
)

// groupedUpdates are the group's counterparts of a message's updates.
var groupedUpdates = map[string]string{deleteHeld: deleteGrouped, changeHeld: changeGrouped}

// messageGroup is the group workflow's input. Frozen field names.
type messageGroup struct {
	// Messages are offered in this order, each with its own priority.
	Messages []message
}

func groupWorkflowID(queue, groupID string) string {
	return messageWorkflowID(queue, groupIDMark+groupID)
}

// groupWorkflow offers each message of the group until it is deleted or its
// retention (the workflow's execution timeout) is over, and keeps the
// search attribute searchattrs.QueueMessages at the number still held,
// counterLag behind.
func groupWorkflow(ctx workflow.Context, g messageGroup) error {
	runs := make(map[string]*messageRun, len(g.Messages))
	for i := range g.Messages {
		runs[g.Messages[i].ID] = &messageRun{m: &g.Messages[i]}
	}
	if err := handleGroupUpdates(ctx, runs); err != nil {
		return err
	}
	held := len(g.Messages)
	var failed error
	for i := range g.Messages {
		run := runs[g.Messages[i].ID]
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := run.offer(ctx); err != nil && failed == nil {
				failed = err
			}
			held--
		})
	}
	counted := held
	for held > 0 && failed == nil {
		if err := workflow.Await(ctx, func() bool { return held != counted || failed != nil }); err != nil {
			return err
		}
		if held == 0 || failed != nil {
			break
		}
		lag := workflow.NewTimer(ctx, counterLag)
		if err := workflow.Await(ctx, func() bool { return lag.IsReady() || held == 0 || failed != nil }); err != nil {
			return err
		}
		if held == 0 || failed != nil {
			break
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchattrs.QueueMessages.ValueSet(int64(held))); err != nil {
			return fmt.Errorf("counting the group's messages: %w", err)
		}
		counted = held
	}
	return failed
}

// handleGroupUpdates registers deleteGrouped and changeGrouped, which act
// on the hold of the message they name as deleteHeld and changeHeld do.
func handleGroupUpdates(ctx workflow.Context, runs map[string]*messageRun) error {
	find := func(messageID string) (*messageRun, error) {
		if run, ok := runs[messageID]; ok {
			return run, nil
		}
		return nil, temporal.NewApplicationError("the group holds no message "+messageID, staleHold)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, deleteGrouped,
		func(ctx workflow.Context, messageID string, ref holdRef) error {
			run, err := find(messageID)
			if err != nil {
				return err
			}
			return run.deleteHeld(ctx, ref)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, messageID string, ref holdRef) error {
			run, err := find(messageID)
			if err != nil {
				return err
			}
			return run.checkHold(ctx, ref)
		}},
	); err != nil {
		return fmt.Errorf("registering %s: %w", deleteGrouped, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, changeGrouped,
		func(ctx workflow.Context, messageID string, ref holdRef, visibleAt time.Time) (holdRef, error) {
			run, err := find(messageID)
			if err != nil {
				return holdRef{}, err
			}
			return run.changeHeld(ctx, ref, visibleAt)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, messageID string, ref holdRef, _ time.Time) error {
			run, err := find(messageID)
			if err != nil {
				return err
			}
			return run.checkHold(ctx, ref)
		}},
	); err != nil {
		return fmt.Errorf("registering %s: %w", changeGrouped, err)
	}
	return nil
}

// CheckGroupSends tells whether namespace has what Config.GroupSends
// needs: the search attribute searchattrs.QueueMessages. Without it every
// group's start would fail.
func CheckGroupSends(ctx context.Context, c client.Client, namespace string) error {
	name := searchattrs.QueueMessages.GetName()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("checking that namespace %s has the search attribute %s for grouped sends: %w", namespace, name, err)
	}
	if kind, ok := resp.GetCustomAttributes()[name]; !ok || kind != enumspb.INDEXED_VALUE_TYPE_INT {
		return fmt.Errorf("grouped sends need the search attribute %s (Int) in namespace %s: temporal operator search-attribute create --namespace %s --name %s --type Int", name, namespace, namespace, name)
	}
	return nil
}
