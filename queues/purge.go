package queues

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the queue-record workflow, the message workflow and
// the purge activity (which uses c) with the fnflow worker.
func Register(w worker.Registry, c client.Client) {
	registerWorkflows(w)
	p := purger{client: c}
	w.RegisterActivityWithOptions(p.purge, activity.RegisterOptions{Name: purgeActivity})
}

// registerWorkflows registers the workflows alone, as a replayer needs.
func registerWorkflows(r worker.WorkflowRegistry) {
	queueKind.Register(r)
	r.RegisterWorkflowWithOptions(messageWorkflow, workflow.RegisterOptions{Name: MessageWorkflow})
}

// runningMessages is the visibility query of a queue's running message
// workflows, narrowed by more ("" for none).
//
// SQLite's LIKE, which STARTS_WITH becomes there, ignores ASCII case, so on
// a SQLite visibility store the query also matches queues whose names differ
// in case only; ownMessage filters those out where it matters.
func runningMessages(queue, more string) string {
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '%s'",
		MessageWorkflow, messageWorkflowID(queue, ""))
	if more != "" {
		q += " AND " + more
	}
	return q
}

func ownMessage(queue, workflowID string) bool {
	return strings.HasPrefix(workflowID, messageWorkflowID(queue, ""))
}

// purger ends the messages of a deleted queue.
type purger struct{ client client.Client }

const (
	purgePage = 1000
	// purgeSettle is how long the purge waits before listing again:
	// visibility shows a message sent a moment ago only after a moment, and
	// a terminated one as running for a moment, and a SendMessage that read
	// the queue just before the delete may start its message just after it.
	purgeSettle = 2 * time.Second
)

// purge terminates the queue's running message workflows, page by page,
// until a pass at least purgeSettle after the first finds none left. A
// message that visibility shows later than that, or that a SendMessage which
// read the queue before the delete started after the last pass, survives
// until its retention ends, and a queue created again under the name would
// deliver it.
func (p purger) purge(ctx context.Context, queue string) error {
	for first := true; ; first = false {
		ended, err := p.pass(ctx, queue)
		if err != nil {
			return err
		}
		if ended == 0 && !first {
			return nil
		}
		select {
		case <-time.After(purgeSettle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pass terminates every running message workflow of the queue that
// visibility lists, and returns how many it ended.
func (p purger) pass(ctx context.Context, queue string) (int, error) {
	ended := 0
	var pageToken []byte
	for {
		resp, err := p.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			PageSize: purgePage, NextPageToken: pageToken, Query: runningMessages(queue, ""),
		})
		if err != nil {
			return ended, fmt.Errorf("listing the messages of deleted queue %s: %w", queue, err)
		}
		for _, info := range resp.GetExecutions() {
			id := info.GetExecution().GetWorkflowId()
			if !ownMessage(queue, id) {
				continue
			}
			err := p.client.TerminateWorkflow(ctx, id, info.GetExecution().GetRunId(), "queue "+queue+" deleted")
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				continue // already ended
			}
			if err != nil {
				return ended, fmt.Errorf("ending message %s of deleted queue %s: %w", id, queue, err)
			}
			ended++
		}
		activity.RecordHeartbeat(ctx, ended)
		if pageToken = resp.GetNextPageToken(); len(pageToken) == 0 {
			return ended, nil
		}
	}
}
