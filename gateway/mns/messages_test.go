package mns_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newQueue creates a queue for the test with a short visibility timeout,
// so that a message a receive lost at the end of its wait (at least once,
// see package queues) is soon visible again.
func newQueue(t *testing.T, c *client, attrs string, suffix ...string) string {
	t.Helper()
	q := name(t, suffix...)
	c.do("PUT", "/queues/"+q, "<Queue><VisibilityTimeout>5</VisibilityTimeout>"+attrs+"</Queue>").want(t, http.StatusCreated)
	return q
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// escape is XML escaping as an SDK does it.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace

func send(t *testing.T, c *client, q, body string, elements ...string) document {
	t.Helper()
	doc := c.do("POST", "/queues/"+q+"/messages", `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>`+
		escape(body)+"</MessageBody>"+strings.Join(elements, "")+"</Message>").want(t, http.StatusCreated)
	doc.wantNames(t, "MessageId", "MessageBodyMD5")
	if doc.field("MessageBodyMD5") != md5Hex(body) {
		t.Fatalf("MessageBodyMD5 %s, want %s", doc.field("MessageBodyMD5"), md5Hex(body))
	}
	return doc
}

func receive(t *testing.T, c *client, q string) document {
	t.Helper()
	return c.do("GET", "/queues/"+q+"/messages?waitseconds=10", "").want(t, http.StatusOK)
}

func TestSendReceiveDelete(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "")
	body := `{"order": 1, "note": "<tag> & \"quotes\" 测试字符串"}`
	sent := send(t, c, q, body, "<DelaySeconds>0</DelaySeconds><Priority>0</Priority>")

	before := time.Now()
	got := receive(t, c, q)
	// Python requires all nine.
	got.wantNames(t, "MessageId", "ReceiptHandle", "MessageBody", "MessageBodyMD5", "EnqueueTime", "NextVisibleTime",
		"FirstDequeueTime", "DequeueCount", "Priority")
	for field, want := range map[string]string{"MessageId": sent.field("MessageId"), "MessageBody": body,
		"MessageBodyMD5": md5Hex(body), "DequeueCount": "1", "Priority": "8"} {
		if got.field(field) != want {
			t.Errorf("%s = %q, want %q", field, got.field(field), want)
		}
	}
	// Message times are epoch milliseconds; the handle stays valid for the
	// queue's VisibilityTimeout.
	next, _ := strconv.ParseInt(got.field("NextVisibleTime"), 10, 64)
	if d := time.UnixMilli(next).Sub(before); d < 4*time.Second || d > 10*time.Second {
		t.Errorf("NextVisibleTime %d is %v after the receive, want about 5 s", next, d)
	}
	handle := got.field("ReceiptHandle")
	c.do("DELETE", "/queues/"+q+"/messages?ReceiptHandle="+url.QueryEscape(handle), "").want(t, http.StatusNoContent)
	c.do("DELETE", "/queues/"+q+"/messages?receiptHandle="+handle, "").want(t, http.StatusNotFound, "MessageNotExist")
	c.do("DELETE", "/queues/"+q+"/messages?ReceiptHandle=1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==", "").
		want(t, http.StatusBadRequest, "ReceiptHandleError")
	c.do("GET", "/queues/"+q+"/messages?waitseconds=1", "").want(t, http.StatusNotFound, "MessageNotExist")
}

func TestPeek(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "")
	c.do("GET", "/queues/"+q+"/messages?peekonly=true", "").want(t, http.StatusNotFound, "MessageNotExist")
	sent := send(t, c, q, "peek me", "<Priority>3</Priority>")
	var peeked document
	eventually(t, "the message to be peekable", func() bool {
		r := c.do("GET", "/queues/"+q+"/messages?peekonly=True", "")
		peeked = parse(t, r.body)
		return r.status == http.StatusOK
	})
	// Python's peek decoder requires these seven, and no receipt handle is
	// handed out.
	peeked.wantNames(t, "MessageId", "MessageBody", "MessageBodyMD5", "EnqueueTime", "FirstDequeueTime", "DequeueCount", "Priority")
	if peeked.field("MessageId") != sent.field("MessageId") || peeked.field("Priority") != "3" || peeked.field("DequeueCount") != "0" {
		t.Errorf("peeked %v", peeked)
	}
	batch := c.do("GET", "/queues/"+q+"/messages?peekonly=true&numOfMessages=16", "").want(t, http.StatusOK)
	if batch.XMLName.Local != "Messages" || len(batch.all("Message")) != 1 {
		t.Errorf("batch peek: %v", batch)
	}
	// Peeking received nothing.
	if receive(t, c, q).field("DequeueCount") != "1" {
		t.Error("the peeked message was dequeued")
	}
}

func TestChangeVisibility(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "")
	sent := send(t, c, q, "later")
	first := receive(t, c, q).field("ReceiptHandle")

	before := time.Now()
	changed := c.do("PUT", "/queues/"+q+"/messages?receiptHandle="+first+"&visibilityTimeout=1", "").want(t, http.StatusOK)
	if changed.XMLName.Local != "ChangeVisibility" {
		t.Fatalf("root %s", changed.XMLName.Local)
	}
	changed.wantNames(t, "ReceiptHandle", "NextVisibleTime")
	second := changed.field("ReceiptHandle")
	next, _ := strconv.ParseInt(changed.field("NextVisibleTime"), 10, 64)
	if d := time.UnixMilli(next).Sub(before); second == first || d < 0 || d > 3*time.Second {
		t.Fatalf("new handle %q (old %q), NextVisibleTime %v after the change", second, first, d)
	}
	// Only the latest handle works.
	c.do("DELETE", "/queues/"+q+"/messages?ReceiptHandle="+first, "").want(t, http.StatusNotFound, "MessageNotExist")

	again := receive(t, c, q)
	if again.field("MessageId") != sent.field("MessageId") || again.field("DequeueCount") != "2" {
		t.Fatalf("received again: %v", again)
	}
	c.do("PUT", "/queues/"+q+"/messages?ReceiptHandle="+second+"&VisibilityTimeout=10", "").want(t, http.StatusNotFound, "MessageNotExist")
	c.do("PUT", "/queues/"+q+"/messages?ReceiptHandle=forged&VisibilityTimeout=10", "").want(t, http.StatusBadRequest, "ReceiptHandleError")
	c.do("DELETE", "/queues/"+q+"/messages?ReceiptHandle="+again.field("ReceiptHandle"), "").want(t, http.StatusNoContent)
}

// A queue's PollingWaitSeconds is the wait of a receive that gives none.
func TestReceiveWaitsForAMessage(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "<PollingWaitSeconds>10</PollingWaitSeconds>")
	type result struct {
		r   response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := c.try("GET", "/queues/"+q+"/messages", "")
		done <- result{r, err}
	}()
	time.Sleep(500 * time.Millisecond) // lets the receive start waiting; the test passes either way
	sent := send(t, c, q, "awaited")
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		if got := res.r.want(t, http.StatusOK); got.field("MessageId") != sent.field("MessageId") {
			t.Fatalf("received %v", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not return the message")
	}
}

// A message's DelaySeconds overrides its queue's, and 0 (which Go's SDK
// always sends) means no delay; a message without one takes the queue's.
func TestDelaySeconds(t *testing.T) {
	c := gateway(t)
	q := newQueue(t, c, "<DelaySeconds>4</DelaySeconds>")
	now := send(t, c, q, "now", "<DelaySeconds>0</DelaySeconds>")
	if got := c.do("GET", "/queues/"+q+"/messages?waitseconds=1", "").want(t, http.StatusOK); got.field("MessageId") != now.field("MessageId") {
		t.Fatalf("received %v", got)
	}
	later := send(t, c, q, "later")
	c.do("GET", "/queues/"+q+"/messages?waitseconds=1", "").want(t, http.StatusNotFound, "MessageNotExist")
	if got := receive(t, c, q); got.field("MessageId") != later.field("MessageId") {
		t.Fatalf("received %v", got)
	}
}
