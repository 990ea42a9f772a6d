package record

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
)

// terminatePage is how many workflows one visibility call of
// TerminateRunning reads.
const terminatePage = 1000

// TerminateRunning terminates, with reason, every running workflow of
// workflowType whose ID starts with idPrefix, page by page, and returns how
// many it ended. It is what a kind's Purge activity does with the workflows
// that belong to a deleted record (a queue's messages, a topic's
// publications), so it runs in an activity and heartbeats the count.
//
// Visibility shows a workflow started a moment ago only after a moment: a
// caller that must not miss those runs it again a little later. SQL
// visibility matches STARTS_WITH without case, so IDs that differ from
// idPrefix in case only are left alone here.
func TerminateRunning(ctx context.Context, c client.Client, workflowType, idPrefix, reason string) (int, error) {
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '%s'", workflowType, idPrefix)
	ended := 0
	var pageToken []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			PageSize: terminatePage, NextPageToken: pageToken, Query: query,
		})
		if err != nil {
			return ended, fmt.Errorf("listing the running %s workflows %s*: %w", workflowType, idPrefix, err)
		}
		for _, info := range resp.GetExecutions() {
			run := info.GetExecution()
			if !strings.HasPrefix(run.GetWorkflowId(), idPrefix) {
				continue
			}
			err := c.TerminateWorkflow(ctx, run.GetWorkflowId(), run.GetRunId(), reason)
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				continue // already ended
			}
			if err != nil {
				return ended, fmt.Errorf("terminating %s: %w", run.GetWorkflowId(), err)
			}
			ended++
		}
		activity.RecordHeartbeat(ctx, ended)
		if pageToken = resp.GetNextPageToken(); len(pageToken) == 0 {
			return ended, nil
		}
	}
}
