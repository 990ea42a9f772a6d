package mns

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *apiError
	if !errors.As(err, &apiErr) || apiErr.status != status || apiErr.code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

// The SDKs write the namespace with a slash (Node, Python, PHP), without
// (Java) or not at all; booleans as True (Python, PHP) or true (Go, Java).
func TestQueueBodyInAnyNamespaceAndBooleanCase(t *testing.T) {
	want := queues.AttributeChange{DelaySeconds: ptr(0), VisibilityTimeout: ptr(60), LoggingEnabled: ptr(true)}
	for _, body := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><DelaySeconds>0</DelaySeconds><VisibilityTimeout>60</VisibilityTimeout><LoggingEnabled>True</LoggingEnabled></Queue>`,
		`<Queue xmlns="http://mns.aliyuncs.com/doc/v1"><VisibilityTimeout> 60 </VisibilityTimeout><DelaySeconds>0</DelaySeconds><LoggingEnabled>true</LoggingEnabled></Queue>`,
		"<Queue>\n  <DelaySeconds>0</DelaySeconds>\n  <VisibilityTimeout>60</VisibilityTimeout>\n  <LoggingEnabled>TRUE</LoggingEnabled>\n</Queue>\n",
	} {
		got, err := queueChange([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v", body, got)
		}
	}
	for _, b := range []string{"False", "false", "FALSE"} {
		got, err := queueChange([]byte("<Queue><LoggingEnabled>" + b + "</LoggingEnabled></Queue>"))
		if err != nil || got.LoggingEnabled == nil || *got.LoggingEnabled {
			t.Errorf("%s: got %+v, %v", b, got, err)
		}
	}
}

func TestEmptyQueueBodyChangesNothing(t *testing.T) {
	got, err := queueChange(nil)
	if err != nil || !reflect.DeepEqual(got, queues.AttributeChange{}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestBadBodies(t *testing.T) {
	for _, tt := range []struct{ name, body, code string }{
		{"not an integer", "<Queue><DelaySeconds>soon</DelaySeconds></Queue>", "InvalidArgument"},
		{"not a boolean", "<Queue><LoggingEnabled>yes</LoggingEnabled></Queue>", "InvalidArgument"},
		{"another root", "<Topic><DelaySeconds>1</DelaySeconds></Topic>", "MalformedXML"},
		{"not XML", "DelaySeconds=1", "MalformedXML"},
		{"unclosed", "<Queue><DelaySeconds>1</DelaySeconds>", "MalformedXML"},
		{"two roots", "<Queue></Queue><Queue></Queue>", "MalformedXML"},
		{"text after the root", "<Queue></Queue>trailing", "MalformedXML"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := queueChange([]byte(tt.body))
			wantCode(t, err, 400, tt.code)
		})
	}
}

func decodeMessage(t *testing.T, body string) (queues.Outgoing, error) {
	t.Helper()
	var m messageBody
	if err := decodeXML([]byte(body), &m); err != nil {
		return queues.Outgoing{}, err
	}
	return m.outgoing()
}

// The body is stored as the unescaped text, whatever the SDK's escaping.
func TestMessageBodyIsStoredUnescaped(t *testing.T) {
	for body, want := range map[string]string{
		`<Message><MessageBody>a &lt;b&gt; &amp; "c"</MessageBody></Message>`:                    `a <b> & "c"`,
		`<Message><MessageBody><![CDATA[<x>&</x>]]></MessageBody></Message>`:                     `<x>&</x>`,
		`<Message><MessageBody>I am 测试字符串.&#x1F600;</MessageBody></Message>`:                     "I am 测试字符串.😀",
		"<Message><MessageBody>  line 1\r\nline 2  </MessageBody></Message>":                     "  line 1\nline 2  ",
		`<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody></MessageBody></Message>`: "",
	} {
		out, err := decodeMessage(t, body)
		if err != nil || out.Body != want {
			t.Errorf("%s: got %q, %v; want %q", body, out.Body, err, want)
		}
	}
}

func TestMessageBodyXMLCannotCarryIsMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"Node's unescaped <": "<Message><MessageBody>a < b</MessageBody></Message>",
		"Node's unescaped &": "<Message><MessageBody>a & b</MessageBody></Message>",
		"invalid UTF-8":      "<Message><MessageBody>a\xffb</MessageBody></Message>",
		"a control char":     "<Message><MessageBody>a\x01b</MessageBody></Message>",
		"a NUL reference":    "<Message><MessageBody>a&#0;b</MessageBody></Message>",
		"an unknown entity":  "<Message><MessageBody>a&nbsp;b</MessageBody></Message>",
		"a charset":          `<?xml version="1.0" encoding="GBK"?><Message><MessageBody>ab</MessageBody></Message>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeMessage(t, body)
			wantCode(t, err, 400, "MalformedXML")
		})
	}
}

// Go's SDK always sends Priority and DelaySeconds, 0 when unset.
func TestPriorityAndDelay(t *testing.T) {
	for _, tt := range []struct {
		elements string
		want     queues.Outgoing
	}{
		{"", queues.Outgoing{Body: "b"}},
		{"<DelaySeconds>0</DelaySeconds><Priority>0</Priority>", queues.Outgoing{Body: "b", DelaySeconds: ptr(0)}},
		{"<DelaySeconds>604800</DelaySeconds><Priority>16</Priority>", queues.Outgoing{Body: "b", DelaySeconds: ptr(604800), Priority: 16}},
		{"<Priority>1</Priority>", queues.Outgoing{Body: "b", Priority: 1}},
	} {
		got, err := decodeMessage(t, "<Message><MessageBody>b</MessageBody>"+tt.elements+"</Message>")
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, %v", tt.elements, got, err)
		}
	}
	for _, elements := range []string{
		"<Priority>17</Priority>", "<Priority>-1</Priority>", "<Priority>high</Priority>",
		"<DelaySeconds>604801</DelaySeconds>", "<DelaySeconds>-1</DelaySeconds>",
	} {
		_, err := decodeMessage(t, "<Message><MessageBody>b</MessageBody>"+elements+"</Message>")
		wantCode(t, err, 400, "InvalidArgument")
	}
	_, err := decodeMessage(t, "<Message><Priority>1</Priority></Message>")
	wantCode(t, err, 400, "InvalidArgument")
}

func TestBatchLimits(t *testing.T) {
	message := func(body string) messageBody { return messageBody{MessageBody: &body} }
	batch := func(n, size int) []messageBody {
		var ms []messageBody
		for range n {
			ms = append(ms, message(strings.Repeat("x", size)))
		}
		return ms
	}
	if _, err := batchOutgoing(batch(16, 4096)); err != nil {
		t.Fatalf("16 messages of 64 KB in all: %v", err)
	}
	for name, ms := range map[string][]messageBody{
		"none":                     nil,
		"17 messages":              batch(17, 1),
		"one byte over 64 KB":      append(batch(15, 4096), message(strings.Repeat("x", 4097))),
		"one message out of range": append(batch(2, 1), messageBody{MessageBody: ptr("b"), Priority: ptr("99")}),
		"one message without body": append(batch(2, 1), messageBody{}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := batchOutgoing(ms)
			wantCode(t, err, 400, "InvalidArgument")
		})
	}
}

func TestPublicationAttributesKeepTheirText(t *testing.T) {
	var b publicationBody
	body := `<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>hi</MessageBody><MessageTag>tag</MessageTag>` +
		`<MessageAttributes><DirectMail>{"Subject":"s &amp; t"}</DirectMail><DirectSMS>{}</DirectSMS></MessageAttributes></Message>`
	if err := decodeXML([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range b.MessageAttributes.Children {
		got[c.XMLName.Local] = c.Text
	}
	if want := map[string]string{"DirectMail": `{"Subject":"s & t"}`, "DirectSMS": "{}"}; !reflect.DeepEqual(got, want) || *b.MessageBody != "hi" || b.MessageTag != "tag" {
		t.Fatalf("got %v %+v", got, b)
	}
}

func TestTopicBody(t *testing.T) {
	got, err := topicChange([]byte(`<Topic xmlns="http://mns.aliyuncs.com/doc/v1/"><MaximumMessageSize>1024</MaximumMessageSize><LoggingEnabled>False</LoggingEnabled></Topic>`))
	if want := (topics.TopicChange{MaximumMessageSize: ptr(1024), LoggingEnabled: ptr(false)}); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestMailAndSMSEndpointsAreRefused(t *testing.T) {
	for _, endpoint := range []string{"mail:directmail:a@example.com", "sms:directsms:anonymous", "SMS:directsms:13800000000"} {
		err := checkEndpointKind(endpoint)
		wantCode(t, err, 400, "EndpointInvalid")
		if !strings.Contains(err.Error(), "does not deliver mail or SMS") {
			t.Errorf("%s: %v", endpoint, err)
		}
	}
	for _, endpoint := range []string{"http://example.com/n", "acs:mns:cn-local:0:queues/q", "acs:mns:cn-local:0:/queues/q"} {
		if err := checkEndpointKind(endpoint); err != nil {
			t.Errorf("%s: %v", endpoint, err)
		}
	}
}
