// Package searchattrs names the custom search attributes fnflow's workflows
// set, which the namespace they run in must have registered: fnflow dev
// registers them itself, a production namespace has an operator add them
// (docs/deploy.md).
package searchattrs

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// QueueMessages is how many messages a running group of MNS queue messages
// (package queues) still holds, so that a queue's counters can sum them
// from visibility.
var QueueMessages = temporal.NewSearchAttributeKeyInt64("FnflowQueueMessages")

// All returns every custom search attribute fnflow uses, by name, with its
// type: what to register in a namespace.
func All() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		QueueMessages.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
	}
}
