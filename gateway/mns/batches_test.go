package mns_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func messages(bodies ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="http://mns.aliyuncs.com/doc/v1/">`)
	for _, body := range bodies {
		b.WriteString("<Message><MessageBody>" + escape(body) + "</MessageBody><Priority>8</Priority></Message>")
	}
	b.WriteString("</Messages>")
	return b.String()
}

func receiptHandles(handles ...string) string {
	return "<ReceiptHandles><ReceiptHandle>" + strings.Join(handles, "</ReceiptHandle><ReceiptHandle>") + "</ReceiptHandle></ReceiptHandles>"
}

// receiveAll batch-receives until it has every message of ids, and returns
// their receipt handles by MessageId.
func receiveAll(t *testing.T, c *client, q string, ids map[string]bool) map[string]string {
	t.Helper()
	handles := map[string]string{}
	eventually(t, "every message to be received", func() bool {
		r := c.do("GET", "/queues/"+q+"/messages?numOfMessages=16&waitseconds=2", "")
		if r.status == http.StatusNotFound {
			return false
		}
		got := r.want(t, http.StatusOK)
		if got.XMLName.Local != "Messages" {
			t.Fatalf("batch receive root %s", got.XMLName.Local)
		}
		for _, m := range got.all("Message") {
			if !ids[m.field("MessageId")] {
				t.Fatalf("received %v, not one of the batch", m)
			}
			handles[m.field("MessageId")] = m.field("ReceiptHandle")
		}
		return len(handles) == len(ids)
	})
	return handles
}

func TestBatchSendReceiveDelete(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "")
	bodies := []string{"one", "two <2>", "three & 3"}
	sent := c.do("POST", "/queues/"+q+"/messages", messages(bodies...)).want(t, http.StatusCreated)
	ids := map[string]bool{}
	for i, m := range sent.all("Message") {
		m.wantNames(t, "MessageId", "MessageBodyMD5")
		if m.field("MessageBodyMD5") != md5Hex(bodies[i]) {
			t.Errorf("message %d: MessageBodyMD5 %s", i, m.field("MessageBodyMD5"))
		}
		ids[m.field("MessageId")] = true
	}
	if len(ids) != 3 {
		t.Fatalf("sent %v", sent)
	}

	handles := receiveAll(t, c, q, ids)
	var all []string
	for _, h := range handles {
		all = append(all, h)
	}
	c.do("DELETE", "/queues/"+q+"/messages", receiptHandles(all...)).want(t, http.StatusNoContent)

	// Every handle stale: 404, each one listed.
	stale := c.do("DELETE", "/queues/"+q+"/messages", receiptHandles(all...)).want(t, http.StatusNotFound)
	if stale.XMLName.Local != "Errors" || len(stale.all("Error")) != 3 {
		t.Fatalf("stale handles: %v", stale)
	}
	for _, e := range stale.all("Error") {
		e.wantNames(t, "ErrorCode", "ErrorMessage", "ReceiptHandle")
		if e.field("ErrorCode") != "MessageNotExist" {
			t.Errorf("stale handle: %v", e)
		}
	}
	// A stale and a forged handle: 400, with each handle's own code.
	mixed := c.do("DELETE", "/queues/"+q+"/messages", receiptHandles(all[0], "1-forged+/==")).want(t, http.StatusBadRequest)
	errs := mixed.all("Error")
	if len(errs) != 2 || errs[0].field("ErrorCode") != "MessageNotExist" || errs[1].field("ErrorCode") != "ReceiptHandleError" ||
		errs[1].field("ReceiptHandle") != "1-forged+/==" {
		t.Fatalf("mixed handles: %v", mixed)
	}
}

// One message too large for the queue fails alone; the others are sent.
func TestBatchSendPartialFailure(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "<MaximumMessageSize>1024</MaximumMessageSize>")
	r := c.do("POST", "/queues/"+q+"/messages", messages("small", strings.Repeat("x", 2000), "small too"))
	got := r.want(t, http.StatusBadRequest)
	entries := got.all("Message")
	if len(entries) != 3 {
		t.Fatalf("reply %s", r.body)
	}
	entries[0].wantNames(t, "MessageId", "MessageBodyMD5")
	entries[1].wantNames(t, "ErrorCode", "ErrorMessage")
	entries[2].wantNames(t, "MessageId", "MessageBodyMD5")
	if entries[1].field("ErrorCode") != "InvalidArgument" || !strings.Contains(entries[1].field("ErrorMessage"), "1024") {
		t.Errorf("oversized message: %v", entries[1])
	}
	receiveAll(t, c, q, map[string]bool{entries[0].field("MessageId"): true, entries[2].field("MessageId"): true})
}

// A batch that fails as a whole is the plain error: nothing was sent.
func TestBatchToAMissingQueue(t *testing.T) {
	c := gateway(t)
	missing := "/queues/" + name(t) + "/messages"
	c.do("POST", missing, messages("a", "b")).want(t, http.StatusNotFound, "QueueNotExist")
}

func TestBatchLimits(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "")
	var seventeen []string
	for i := range 17 {
		seventeen = append(seventeen, fmt.Sprint(i))
	}
	c.do("POST", "/queues/"+q+"/messages", messages(seventeen...)).want(t, http.StatusBadRequest, "InvalidArgument")
	c.do("POST", "/queues/"+q+"/messages", messages(strings.Repeat("x", 40000), strings.Repeat("y", 30000))).
		want(t, http.StatusBadRequest, "InvalidArgument")
	c.do("GET", "/queues/"+q+"/messages?waitseconds=0", "").want(t, http.StatusNotFound, "MessageNotExist")
}
