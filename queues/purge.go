package queues

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/record"
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
	r.RegisterWorkflowWithOptions(groupWorkflow, workflow.RegisterOptions{Name: GroupWorkflow})
}

// runningMessages is the visibility query of a queue's running message
// workflows of the given types (MessageWorkflow, GroupWorkflow or both),
// narrowed by more ("" for none).
//
// SQLite's LIKE, which STARTS_WITH becomes there, ignores ASCII case, so on
// a SQLite visibility store the query also matches queues whose names differ
// in case only; ownMessage filters those out where it matters.
func runningMessages(queue, more string, workflowTypes ...string) string {
	q := fmt.Sprintf("WorkflowType IN ('%s') AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '%s'",
		strings.Join(workflowTypes, "', '"), messageWorkflowID(queue, ""))
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
		ended := 0
		for _, workflowType := range []string{MessageWorkflow, GroupWorkflow} {
			n, err := record.TerminateRunning(ctx, p.client, workflowType, messageWorkflowID(queue, ""), "queue "+queue+" deleted")
			if err != nil {
				return fmt.Errorf("ending the messages of deleted queue %s: %w", queue, err)
			}
			ended += n
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
