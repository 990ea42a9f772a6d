package devserver

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// A user who registers a search attribute on fnflow dev (temporal operator
// search-attribute create) can start executions with it and list by it at
// once, not after a cache refresh.
func TestCustomSearchAttributeUsableAtOnce(t *testing.T) {
	s := startServer(t, Options{})
	c := newClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        s.Namespace(),
		SearchAttributes: map[string]enumspb.IndexedValueType{"CustomerId": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	}); err != nil {
		t.Fatal(err)
	}
	customer := temporal.NewSearchAttributeKeyKeyword("CustomerId")
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		TaskQueue:             taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(customer.ValueSet("c-42")),
	}, StepsWorkflow, 1)
	if err != nil {
		t.Fatalf("starting with the search attribute just added: %v", err)
	}
	listed(t, c, s, `CustomerId = "c-42"`, run)
}
