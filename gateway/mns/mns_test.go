package mns

import (
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"

	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

func TestPaths(t *testing.T) {
	for path, want := range map[string]bool{
		"/queues": true, "/queues/q1": true, "/queues/q1/messages": true,
		"/topics": true, "/topics/t1/subscriptions/s1": true,
		"/mns/notification-cert.pem": true,
		"/":                          false, "/queuesx": false, "/topicsx/a": false, "/mns": false, "/?Action=ListFlows": false,
	} {
		if got := Paths(path); got != want {
			t.Errorf("Paths(%q) = %v, want %v", path, got, want)
		}
	}
}

// quiet is New for the tests that need no Temporal, logging nothing: the
// tests check replies. Its stores have no client: what these tests send is
// refused before any store is called, and a call would panic.
func quiet(cfg Config) *Handler {
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Queues = queues.New(nil, queues.Config{})
	cfg.Topics = topics.New(nil, topics.Config{})
	return New(cfg)
}

func TestAFaceWithoutTopicsServesNoTopicPaths(t *testing.T) {
	h := New(Config{Queues: queues.New(nil, queues.Config{}), Logger: slog.New(slog.DiscardHandler)})
	w, e := serve(t, h, httptest.NewRequest(http.MethodPut, "/topics/t1", nil))
	if w.Code != http.StatusBadRequest || e.Code != "InvalidRequestURL" {
		t.Fatalf("got %d %+v", w.Code, e)
	}
}

// parsedError is an error reply as a client decodes it.
type parsedError struct {
	XMLName                          xml.Name `xml:"http://mns.aliyuncs.com/doc/v1 Error"`
	Code, Message, RequestId, HostId string
}

// serve runs one request through a Handler without stores: what it tests
// is refused before any store is called.
func serve(t *testing.T, h *Handler, r *http.Request) (*httptest.ResponseRecorder, parsedError) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var e parsedError
	if w.Code >= 300 {
		if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("error reply %q: %v", w.Body, err)
		}
	}
	return w, e
}

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{24}$`)

func TestErrorRepliesAreMNSErrorDocuments(t *testing.T) {
	h := quiet(Config{})
	w, e := serve(t, h, httptest.NewRequest(http.MethodGet, "/queues/q1/nothing", nil))
	if w.Code != http.StatusBadRequest || e.Code != "InvalidRequestURL" || e.Message == "" {
		t.Fatalf("got %d %+v", w.Code, e)
	}
	header := w.Header()
	if got := header.Get("Content-Type"); got != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if id := header.Get("x-mns-request-id"); !requestIDPattern.MatchString(id) || e.RequestId != id {
		t.Errorf("request ID header %q, body %q", id, e.RequestId)
	}
	if e.HostId != "http://example.com" {
		t.Errorf("HostId %q", e.HostId)
	}
	for _, name := range []string{"x-mns-version", "Date", "Server"} {
		if header.Get(name) == "" {
			t.Errorf("no %s header", name)
		}
	}
	if header.Get("x-mns-version") != "2015-06-06" {
		t.Errorf("x-mns-version %q", header.Get("x-mns-version"))
	}
	w2, _ := serve(t, h, httptest.NewRequest(http.MethodGet, "/queues/q1/nothing", nil))
	if w2.Header().Get("x-mns-request-id") == header.Get("x-mns-request-id") {
		t.Error("two requests share a request ID")
	}
}

func TestWrongMethodIs405(t *testing.T) {
	w, e := serve(t, quiet(Config{}), httptest.NewRequest(http.MethodPost, "/queues/q1", nil))
	if w.Code != http.StatusMethodNotAllowed || e.Code != "MethodNotAllowed" {
		t.Fatalf("got %d %+v", w.Code, e)
	}
	allow := w.Header().Get("Allow")
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if !strings.Contains(allow, m) {
			t.Errorf("Allow %q lacks %s", allow, m)
		}
	}
}

func TestCertificate(t *testing.T) {
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	// Served without a signature, even by a handler that checks them.
	h := quiet(Config{CertificatePEM: pem, AccessKeys: acs.NewKeys(map[string]string{"testid": "testsecret"})})
	w, _ := serve(t, h, httptest.NewRequest(http.MethodGet, CertificatePath, nil))
	if w.Code != http.StatusOK || w.Body.String() != string(pem) {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	w, e := serve(t, quiet(Config{}), httptest.NewRequest(http.MethodGet, CertificatePath, nil))
	if w.Code != http.StatusBadRequest || e.Code != "InvalidRequestURL" {
		t.Fatalf("without a certificate: got %d %+v", w.Code, e)
	}
}

func TestAdmissionRefusals(t *testing.T) {
	big := "<Message><MessageBody>" + strings.Repeat("x", maxBody) + "</MessageBody></Message>"
	withMD5 := httptest.NewRequest(http.MethodPost, "/queues/q1/messages", strings.NewReader("<Message><MessageBody>b</MessageBody></Message>"))
	withMD5.Header.Set("Content-MD5", "ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=")
	for _, tt := range []struct {
		name   string
		h      *Handler
		r      *http.Request
		status int
		code   string
	}{
		{"body over 1 MiB", quiet(Config{}), httptest.NewRequest(http.MethodPost, "/queues/q1/messages", strings.NewReader(big)), 400, "InvalidArgument"},
		{"Content-MD5 of another body", quiet(Config{}), withMD5, 400, "InvalidDegist"},
		{"bad query", quiet(Config{}), httptest.NewRequest(http.MethodGet, "/queues/q1/messages?waitseconds=%zz", nil), 400, "InvalidQueryString"},
		{"unsigned", quiet(Config{AccessKeys: acs.NewKeys(map[string]string{"testid": "testsecret"})}), httptest.NewRequest(http.MethodGet, "/queues", nil), 400, "MissingAuthorizationHeader"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, e := serve(t, tt.h, tt.r)
			if w.Code != tt.status || e.Code != tt.code {
				t.Fatalf("got %d %+v, want %d %s", w.Code, e, tt.status, tt.code)
			}
		})
	}
}

// What a handler checks before calling a store, refused with MNS's codes.
func TestArgumentRefusals(t *testing.T) {
	for _, tt := range []struct {
		method, target, body string
		status               int
		code                 string
	}{
		{"GET", "/queues/q1/messages?waitseconds=31", "", 400, "InvalidArgument"},
		{"GET", "/queues/q1/messages?WaitSeconds=-1", "", 400, "InvalidArgument"},
		{"GET", "/queues/q1/messages?numOfMessages=17", "", 400, "InvalidArgument"},
		{"GET", "/queues/q1/messages?numofmessages=0", "", 400, "InvalidArgument"},
		{"GET", "/queues/q1/messages?peekonly=maybe", "", 400, "InvalidArgument"},
		{"DELETE", "/queues/q1/messages", "", 400, "MissingReceiptHandle"},
		{"DELETE", "/queues/q1/messages?ReceiptHandle=", "", 400, "MissingReceiptHandle"},
		{"DELETE", "/queues/q1/messages", "<ReceiptHandles></ReceiptHandles>", 400, "InvalidArgument"},
		{"DELETE", "/queues/q1/messages", "<ReceiptHandles>" + strings.Repeat("<ReceiptHandle>h</ReceiptHandle>", 17) + "</ReceiptHandles>", 400, "InvalidArgument"},
		{"DELETE", "/queues/q1/messages", "<Handles/>", 400, "MalformedXML"},
		{"PUT", "/queues/q1/messages?visibilityTimeout=10", "", 400, "MissingReceiptHandle"},
		{"PUT", "/queues/q1/messages?receiptHandle=h", "", 400, "MissingVisibilityTimeout"},
		{"PUT", "/queues/q1/messages?receiptHandle=h&visibilityTimeout=0", "", 400, "InvalidArgument"},
		{"PUT", "/queues/q1/messages?ReceiptHandle=h&VisibilityTimeout=43201", "", 400, "InvalidArgument"},
		{"POST", "/queues/q1/messages", "", 400, "MalformedXML"},
		{"POST", "/queues/q1/messages", "<Message><MessageBody>a < b</MessageBody></Message>", 400, "MalformedXML"},
		{"POST", "/queues/q1/messages", "<Message><Priority>8</Priority></Message>", 400, "InvalidArgument"},
		{"POST", "/queues/q1/messages", "<Messages>" + strings.Repeat("<Message><MessageBody>b</MessageBody></Message>", 17) + "</Messages>", 400, "InvalidArgument"},
		{"PUT", "/queues/q1", "<Queue><DelaySeconds>x</DelaySeconds></Queue>", 400, "InvalidArgument"},
		{"PUT", "/queues/q1?metaoverride=true", "<Topic/>", 400, "MalformedXML"},
		{"PUT", "/topics/t1", "<Topic><LoggingEnabled>on</LoggingEnabled></Topic>", 400, "InvalidArgument"},
		{"PUT", "/topics/t1/subscriptions/s1", "<Subscription><Endpoint>mail:directmail:a@example.com</Endpoint></Subscription>", 400, "EndpointInvalid"},
		{"PUT", "/topics/t1/subscriptions/s1", "", 400, "MalformedXML"},
		{"POST", "/topics/t1/messages", "<Message><MessageTag>t</MessageTag></Message>", 400, "InvalidArgument"},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w, e := serve(t, quiet(Config{}), httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if w.Code != tt.status || e.Code != tt.code {
				t.Fatalf("got %d %+v, want %d %s", w.Code, e, tt.status, tt.code)
			}
		})
	}
}

func TestListHeaders(t *testing.T) {
	for _, tt := range []struct {
		headers map[string]string
		want    listing
		ok      bool
	}{
		{nil, listing{limit: 1000}, true},
		{map[string]string{"x-mns-prefix": "a-", "x-mns-marker": "m", "x-mns-ret-number": "1", "x-mns-with-meta": "True"},
			listing{prefix: "a-", marker: "m", limit: 1, withMeta: true}, true},
		{map[string]string{"X-Mns-Ret-Number": "1000", "x-mns-with-meta": "false"}, listing{limit: 1000}, true},
		{map[string]string{"x-mns-ret-number": "0"}, listing{}, false},
		{map[string]string{"x-mns-ret-number": "1001"}, listing{}, false},
		{map[string]string{"x-mns-ret-number": "ten"}, listing{}, false},
		{map[string]string{"x-mns-with-meta": "1"}, listing{}, false},
	} {
		hr := httptest.NewRequest(http.MethodGet, "/queues", nil)
		for k, v := range tt.headers {
			hr.Header.Set(k, v)
		}
		got, err := (&request{http: hr}).listing()
		if tt.ok != (err == nil) || (tt.ok && got != tt.want) {
			t.Errorf("%v: got %+v, %v", tt.headers, got, err)
		}
		if !tt.ok {
			wantCode(t, err, 400, "InvalidArgument")
		}
	}
}

// A call Temporal answers with its Canceled error because the caller went
// away is no failure of ours: logged at debug, where a failure with the
// caller still there is an error.
func TestCallerGoneIsNotLoggedAsAnError(t *testing.T) {
	for _, c := range []struct {
		name       string
		callerGone bool
		want       string
	}{
		{"caller gone", true, "level=DEBUG"},
		{"caller waiting", false, "level=ERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs strings.Builder
			h := New(Config{Queues: queues.New(nil, queues.Config{}),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			ctx, cancel := context.WithCancel(context.Background())
			if c.callerGone {
				cancel()
			}
			defer cancel()
			r := httptest.NewRequest(http.MethodDelete, "/queues/q1/messages?ReceiptHandle=x", nil).WithContext(ctx)
			h.renderError(serviceerror.NewCanceled("context canceled"), h.echo.NewContext(r, httptest.NewRecorder()))
			if !strings.Contains(logs.String(), c.want) {
				t.Errorf("logged %q, want %s", logs.String(), c.want)
			}
		})
	}
}
