package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/mnsclient"
)

// TestDevPeekSeesWhatAFlowSent: in fnflow dev a peek through the gateway
// sees the message a flow's queue step sent the moment the step waits, as
// it sees what the gateway itself sent: the worker and the gateway share
// one queue Store, whose memory of its sends a peek reads before Temporal's
// visibility has them.
func TestDevPeekSeesWhatAFlowSent(t *testing.T) {
	stack, _ := startSampleStack(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &mnsclient.Client{Endpoint: stack.gatewayURL}
	must(t, c.CreateQueue(ctx, "jobs", mnsclient.QueueAttributes{}))
	for i := range 20 {
		job := fmt.Sprintf("peek-%d", i)
		input, _ := json.Marshal(map[string]string{"job": job})
		execution := fmt.Sprintf("peek-%d", i)
		mustAPI(t, stack, "StartExecution", url.Values{"FlowName": {"queue-job"}, "ExecutionName": {execution}, "Input": {string(input)}})
		waitForToken(t, stack, "queue-job", execution)
		m, err := c.Peek(ctx, "jobs")
		if err != nil {
			t.Fatalf("round %d: peeking right after the step handed its message over: %v", i, err)
		}
		if !strings.Contains(m.MessageBody, job) {
			t.Fatalf("round %d: peeked %q, not the message of job %s", i, m.MessageBody, job)
		}
		received, err := c.Receive(ctx, "jobs", 10*time.Second)
		must(t, err)
		must(t, c.Delete(ctx, "jobs", received.ReceiptHandle))
	}
}
