package queues

import (
	"testing"

	"github.com/fnflow/fnflow/internal/token"
)

// Every form of receipt handle reads back as it was signed; a group's
// handles name the group's workflow, a message's its own.
func TestReceiptHandlesReadBack(t *testing.T) {
	signer, err := token.NewSigner([]byte("a key for receipt handles, long enough"))
	if err != nil {
		t.Fatal(err)
	}
	receive := receiptHandle{form: receiveHandle, queue: "q", messageID: "M1", dequeueCount: 2, firstDequeueTime: 1700000000000, taskToken: []byte{1, 2, 3}}
	inGroup := receive
	inGroup.form, inGroup.group = groupReceiveHandle, "ABC"
	for _, h := range []receiptHandle{receive, receive.holding(3), inGroup, inGroup.holding(0)} {
		got, err := openHandle(signer, h.sign(signer))
		if err != nil {
			t.Fatalf("form %d: %v", h.form, err)
		}
		if got.form != h.form || got.queue != h.queue || got.messageID != h.messageID || got.dequeueCount != h.dequeueCount ||
			got.group != h.group || got.moves != h.moves || got.firstDequeueTime != h.firstDequeueTime || string(got.taskToken) != string(h.taskToken) {
			t.Errorf("form %d read back as %+v, want %+v", h.form, got, h)
		}
	}
	if got := inGroup.holding(1); got.form != groupHoldHandle || got.workflowID() != groupWorkflowID("q", "ABC") {
		t.Errorf("a grouped message's hold: form %d, workflow %s", got.form, got.workflowID())
	}
	if got := receive.holding(1); got.form != holdHandle || got.workflowID() != messageWorkflowID("q", "M1") {
		t.Errorf("a message's hold: form %d, workflow %s", got.form, got.workflowID())
	}
}
