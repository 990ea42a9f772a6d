package mns_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestQueueLifecycle(t *testing.T) {
	c := gateway(t)
	q := name(t)
	path := "/queues/" + q
	body := `<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><VisibilityTimeout>60</VisibilityTimeout><LoggingEnabled>True</LoggingEnabled></Queue>`

	created := c.do("PUT", path, body)
	created.want(t, http.StatusCreated)
	if got := created.header.Get("Location"); got != c.base+path {
		t.Errorf("Location %q", got)
	}
	again := c.do("PUT", path, body)
	again.want(t, http.StatusNoContent)
	if again.header.Get("Location") != c.base+path {
		t.Errorf("identical create: Location %q", again.header.Get("Location"))
	}
	c.do("PUT", path, "<Queue><VisibilityTimeout>61</VisibilityTimeout></Queue>").want(t, http.StatusConflict, "QueueAlreadyExist")

	attrs := c.do("GET", path, "").want(t, http.StatusOK)
	// Python requires all twelve.
	attrs.wantNames(t, "QueueName", "CreateTime", "LastModifyTime", "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
		"VisibilityTimeout", "PollingWaitSeconds", "ActiveMessages", "InactiveMessages", "DelayMessages", "LoggingEnabled")
	for field, want := range map[string]string{"QueueName": q, "VisibilityTimeout": "60", "LoggingEnabled": "True",
		"MaximumMessageSize": "65536", "MessageRetentionPeriod": "345600", "DelaySeconds": "0", "PollingWaitSeconds": "0"} {
		if got := attrs.field(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	// Resource times are epoch seconds.
	if at, _ := strconv.ParseInt(attrs.field("CreateTime"), 10, 64); time.Since(time.Unix(at, 0)).Abs() > time.Minute {
		t.Errorf("CreateTime %s is not the epoch second of now", attrs.field("CreateTime"))
	}

	c.do("PUT", path+"?metaoverride=true", "<Queue><PollingWaitSeconds>3</PollingWaitSeconds><LoggingEnabled>false</LoggingEnabled></Queue>").
		want(t, http.StatusNoContent)
	attrs = c.do("GET", path, "").want(t, http.StatusOK)
	if attrs.field("PollingWaitSeconds") != "3" || attrs.field("LoggingEnabled") != "False" || attrs.field("VisibilityTimeout") != "60" {
		t.Errorf("after SetQueueAttributes: %v", attrs)
	}

	c.do("DELETE", path, "").want(t, http.StatusNoContent)
	c.do("GET", path, "").want(t, http.StatusNotFound, "QueueNotExist")
	c.do("DELETE", path, "").want(t, http.StatusNotFound, "QueueNotExist")
	c.do("PUT", path+"?metaoverride=true", "<Queue><DelaySeconds>1</DelaySeconds></Queue>").want(t, http.StatusNotFound, "QueueNotExist")
}

func TestQueueArguments(t *testing.T) {
	c := gateway(t)
	c.do("PUT", "/queues/bad_name", "").want(t, http.StatusBadRequest, "InvalidQueueName")
	c.do("PUT", "/queues/"+strings.Repeat("q", 257), "").want(t, http.StatusBadRequest, "QueueNameLengthError")
	c.do("PUT", "/queues/"+name(t), "<Queue><VisibilityTimeout>0</VisibilityTimeout></Queue>").want(t, http.StatusBadRequest, "InvalidArgument")
	c.do("PUT", "/queues/"+name(t), "<Queue><MaximumMessageSize>65537</MaximumMessageSize></Queue>").want(t, http.StatusBadRequest, "InvalidArgument")
	c.do("GET", "/queues/"+name(t)+"-none", "").want(t, http.StatusNotFound, "QueueNotExist")
	c.do("POST", "/queues/"+name(t)+"-none/messages", "<Message><MessageBody>b</MessageBody></Message>").want(t, http.StatusNotFound, "QueueNotExist")
}

func TestListQueues(t *testing.T) {
	c := gateway(t)
	prefix := name(t) + "-"
	for i := range 3 {
		c.do("PUT", fmt.Sprintf("/queues/%s%d", prefix, i), "").want(t, http.StatusCreated)
	}
	var first document
	eventually(t, "the queues to be listed", func() bool {
		first = c.do("GET", "/queues", "", "x-mns-prefix", prefix, "x-mns-ret-number", "2").want(t, http.StatusOK)
		return len(first.all("Queue")) == 2 && first.field("NextMarker") != ""
	})
	for i, entry := range first.all("Queue") {
		entry.wantNames(t, "QueueURL")
		if want := fmt.Sprintf("%s/queues/%s%d", c.base, prefix, i); entry.field("QueueURL") != want {
			t.Errorf("QueueURL %q, want %q", entry.field("QueueURL"), want)
		}
	}
	var last document
	eventually(t, "the last page", func() bool {
		last = c.do("GET", "/queues", "", "x-mns-prefix", prefix, "x-mns-marker", first.field("NextMarker"),
			"x-mns-with-meta", "true").want(t, http.StatusOK)
		return len(last.all("Queue")) == 1
	})
	// NextMarker only when more remain.
	last.wantNames(t, "Queue")
	entry := last.all("Queue")[0]
	if entry.field("QueueName") != prefix+"2" || entry.field("VisibilityTimeout") != "30" || entry.field("QueueURL") == "" {
		t.Errorf("listed with meta: %v", entry.names())
	}
	c.do("GET", "/queues", "", "x-mns-ret-number", "1001").want(t, http.StatusBadRequest, "InvalidArgument")
}

// Every request is signed on the wire; a stranger's is refused.
func TestUnsignedAndMissignedRequests(t *testing.T) {
	c := gateway(t)
	send := func(r *http.Request) response {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{status: resp.StatusCode, header: resp.Header, body: body}
	}
	unsigned, err := http.NewRequest("GET", c.base+"/queues", nil)
	if err != nil {
		t.Fatal(err)
	}
	send(unsigned).want(t, http.StatusBadRequest, "MissingAuthorizationHeader")

	missigned, err := http.NewRequest("GET", c.base+"/queues", nil)
	if err != nil {
		t.Fatal(err)
	}
	missigned.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	missigned.Header.Set("Authorization", "MNS "+accessKeyID+":"+signature("GET", "/queues?extra", missigned.Header))
	send(missigned).want(t, http.StatusForbidden, "SignatureDoesNotMatch")
}
