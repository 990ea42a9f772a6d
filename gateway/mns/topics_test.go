package mns_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTopicLifecycle(t *testing.T) {
	c := gateway(t)
	topic := name(t)
	path := "/topics/" + topic
	created := c.do("PUT", path, `<Topic xmlns="http://mns.aliyuncs.com/doc/v1/"><MaximumMessageSize>2048</MaximumMessageSize></Topic>`)
	created.want(t, http.StatusCreated)
	if created.header.Get("Location") != c.base+path {
		t.Errorf("Location %q", created.header.Get("Location"))
	}
	c.do("PUT", path, "<Topic><MaximumMessageSize>2048</MaximumMessageSize></Topic>").want(t, http.StatusNoContent)
	c.do("PUT", path, "<Topic><MaximumMessageSize>4096</MaximumMessageSize></Topic>").want(t, http.StatusConflict, "TopicAlreadyExist")

	attrs := c.do("GET", path, "").want(t, http.StatusOK)
	if attrs.XMLName.Local != "Topic" {
		t.Fatalf("root %s", attrs.XMLName.Local)
	}
	// Python requires all seven.
	attrs.wantNames(t, "TopicName", "CreateTime", "LastModifyTime", "MaximumMessageSize", "MessageRetentionPeriod", "MessageCount", "LoggingEnabled")
	for field, want := range map[string]string{"TopicName": topic, "MaximumMessageSize": "2048", "MessageRetentionPeriod": "86400",
		"MessageCount": "0", "LoggingEnabled": "False"} {
		if attrs.field(field) != want {
			t.Errorf("%s = %q, want %q", field, attrs.field(field), want)
		}
	}
	c.do("PUT", path+"?metaoverride=true", "<Topic><LoggingEnabled>TRUE</LoggingEnabled></Topic>").want(t, http.StatusNoContent)
	if got := c.do("GET", path, "").want(t, http.StatusOK); got.field("LoggingEnabled") != "True" || got.field("MaximumMessageSize") != "2048" {
		t.Errorf("after SetTopicAttributes: %v", got)
	}

	eventually(t, "the topic to be listed", func() bool {
		list := c.do("GET", "/topics", "", "x-mns-prefix", topic, "x-mns-with-meta", "true").want(t, http.StatusOK)
		entries := list.all("Topic")
		return len(entries) == 1 && entries[0].field("TopicURL") == c.base+path && entries[0].field("TopicName") == topic
	})

	c.do("DELETE", path, "").want(t, http.StatusNoContent)
	c.do("GET", path, "").want(t, http.StatusNotFound, "TopicNotExist")
	c.do("DELETE", path, "").want(t, http.StatusNotFound, "TopicNotExist")
	c.do("POST", path+"/messages", "<Message><MessageBody>b</MessageBody></Message>").want(t, http.StatusNotFound, "TopicNotExist")
	c.do("PUT", "/topics/bad_name", "").want(t, http.StatusBadRequest, "TopicNameInvalid")
}

func TestSubscriptions(t *testing.T) {
	c := gateway(t)
	topic := name(t)
	c.do("PUT", "/topics/"+topic, "").want(t, http.StatusCreated)
	path := "/topics/" + topic + "/subscriptions/s1"
	body := "<Subscription><Endpoint>http://127.0.0.1:9/notifications</Endpoint><FilterTag>important</FilterTag></Subscription>"

	created := c.do("PUT", path, body)
	created.want(t, http.StatusCreated)
	if created.header.Get("Location") != c.base+path {
		t.Errorf("Location %q", created.header.Get("Location"))
	}
	c.do("PUT", path, body).want(t, http.StatusNoContent)
	c.do("PUT", path, "<Subscription><Endpoint>http://127.0.0.1:9/other</Endpoint></Subscription>").
		want(t, http.StatusConflict, "SubscriptionAlreadyExist")

	attrs := c.do("GET", path, "").want(t, http.StatusOK)
	for field, want := range map[string]string{"TopicOwner": "0", "TopicName": topic, "SubscriptionName": "s1",
		"Endpoint": "http://127.0.0.1:9/notifications", "NotifyStrategy": "BACKOFF_RETRY", "NotifyContentFormat": "XML",
		"FilterTag": "important"} {
		if attrs.field(field) != want {
			t.Errorf("%s = %q, want %q", field, attrs.field(field), want)
		}
	}
	if attrs.field("CreateTime") == "" || attrs.field("LastModifyTime") == "" {
		t.Errorf("no times: %v", attrs.names())
	}
	c.do("PUT", path+"?metaoverride=true", "<Subscription><NotifyStrategy>EXPONENTIAL_DECAY_RETRY</NotifyStrategy></Subscription>").
		want(t, http.StatusNoContent)
	if got := c.do("GET", path, "").want(t, http.StatusOK); got.field("NotifyStrategy") != "EXPONENTIAL_DECAY_RETRY" || got.field("FilterTag") != "important" {
		t.Errorf("after SetSubscriptionAttributes: %v", got)
	}

	c.do("PUT", "/topics/"+topic+"/subscriptions/s2", "<Subscription><Endpoint>acs:mns:cn-local:0:/queues/q1</Endpoint></Subscription>").
		want(t, http.StatusCreated)
	first := c.do("GET", "/topics/"+topic+"/subscriptions", "", "x-mns-ret-number", "1").want(t, http.StatusOK)
	if entries := first.all("Subscription"); len(entries) != 1 || entries[0].field("SubscriptionURL") != c.base+path || first.field("NextMarker") == "" {
		t.Fatalf("first page: %v", first)
	}
	last := c.do("GET", "/topics/"+topic+"/subscriptions", "", "x-mns-marker", first.field("NextMarker")).want(t, http.StatusOK)
	last.wantNames(t, "Subscription")

	c.do("DELETE", path, "").want(t, http.StatusNoContent)
	c.do("GET", path, "").want(t, http.StatusNotFound, "SubscriptionNotExist")
	c.do("DELETE", path, "").want(t, http.StatusNotFound, "SubscriptionNotExist")

	c.do("PUT", path, "<Subscription><Endpoint>mail:directmail:a@example.com</Endpoint></Subscription>").want(t, http.StatusBadRequest, "EndpointInvalid")
	c.do("PUT", path, "<Subscription><Endpoint>ftp://example.com</Endpoint></Subscription>").want(t, http.StatusBadRequest, "EndpointInvalid")
	c.do("PUT", "/topics/"+topic+"/subscriptions/bad_name", body).want(t, http.StatusBadRequest, "SubscriptionNameInvalid")
	c.do("PUT", "/topics/"+name(t, "-none")+"/subscriptions/s1", body).want(t, http.StatusNotFound, "TopicNotExist")
}

// notification is what an HTTP endpoint receives, in the XML format.
type notification struct {
	TopicName, SubscriptionName, MessageId, Message, MessageMD5, MessageTag string
}

func TestPublishToAnHTTPEndpoint(t *testing.T) {
	c := gateway(t)
	received := make(chan notification, 4)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n notification
		if xml.Unmarshal(body, &n) == nil {
			received <- n
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer endpoint.Close()

	topic := name(t)
	c.do("PUT", "/topics/"+topic, "").want(t, http.StatusCreated)
	c.do("PUT", "/topics/"+topic+"/subscriptions/http", "<Subscription><Endpoint>"+endpoint.URL+"/notifications</Endpoint></Subscription>").
		want(t, http.StatusCreated)

	body := `{"event": "shipped <1>"}`
	published := c.do("POST", "/topics/"+topic+"/messages", `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">`+
		"<MessageBody>"+escape(body)+"</MessageBody><MessageTag>tag1</MessageTag>"+
		`<MessageAttributes><DirectMail>{"Subject":"s"}</DirectMail></MessageAttributes></Message>`).want(t, http.StatusCreated)
	published.wantNames(t, "MessageId", "MessageBodyMD5")
	if published.field("MessageBodyMD5") != md5Hex(body) {
		t.Errorf("MessageBodyMD5 %s", published.field("MessageBodyMD5"))
	}
	select {
	case n := <-received:
		if n.MessageId != published.field("MessageId") || n.Message != body || n.TopicName != topic || n.MessageTag != "tag1" {
			t.Errorf("notification %+v", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the HTTP endpoint got no notification")
	}

	c.do("POST", "/topics/"+topic+"/messages", "<Message><MessageBody>b</MessageBody><MessageTag>"+strings.Repeat("t", 17)+"</MessageTag></Message>").
		want(t, http.StatusBadRequest, "InvalidArgument")
}

// A queue endpoint gets the message in the queue; SIMPLIFIED gives it the
// published body as it is.
func TestPublishToAQueue(t *testing.T) {
	c := gateway(t)
	topic := name(t)
	q := newQueue(t, c, "", "-queue")
	c.do("PUT", "/topics/"+topic, "").want(t, http.StatusCreated)
	c.do("PUT", "/topics/"+topic+"/subscriptions/queue", "<Subscription><Endpoint>acs:mns:cn-local:0:queues/"+q+
		"</Endpoint><NotifyContentFormat>SIMPLIFIED</NotifyContentFormat></Subscription>").want(t, http.StatusCreated)
	body := `{"event": "shipped & <done>"}`
	c.do("POST", "/topics/"+topic+"/messages", "<Message><MessageBody>"+escape(body)+"</MessageBody></Message>").want(t, http.StatusCreated)
	if got := receive(t, c, q).field("MessageBody"); got != body {
		t.Errorf("the queue received %q", got)
	}
}
