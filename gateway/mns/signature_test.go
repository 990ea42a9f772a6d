package mns

import (
	"bufio"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// The worked examples of reference mns-api.md §1.3, signed by the Node SDK's
// sign() with secret testsecret.
const (
	nodeSendMessageBody = `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>hello</MessageBody><Priority>8</Priority></Message>`
	nodeSendMessage     = "POST /queues/q1/messages HTTP/1.1\r\n" +
		"Host: 123.mns.cn-hangzhou.aliyuncs.com\r\n" +
		"Authorization: MNS testid:y063ZKjz4sReV8lfNYIVyJR/DUk=\r\n" +
		"Content-MD5: ZDAwOTFmMjA0Yzc1MThiOWZhNzQyMDMxODk1ZDk1ZmQ=\r\n" +
		"Content-Type: text/xml\r\n" +
		"Content-Length: 151\r\n" +
		"Date: Thu, 09 Jul 2015 03:01:34 GMT\r\n" +
		"x-mns-date: Thu, 09 Jul 2015 03:01:34 GMT\r\n" +
		"x-mns-version: 2015-06-06\r\n\r\n" + nodeSendMessageBody
	pythonReceive = "GET /queues/q1/messages?waitseconds=10 HTTP/1.1\r\n" +
		"Host: 123.mns.cn-hangzhou.aliyuncs.com\r\n" +
		"Authorization: MNS testid:emBQ8UMuSc+y9zTo5iuRBfKkjRo=\r\n" +
		"Date: Thu, 09 Jul 2015 03:01:34 GMT\r\n" +
		"x-mns-version: 2015-06-06\r\n\r\n"
	signedAt = "Thu, 09 Jul 2015 03:01:34 GMT"
)

func readRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signingHandler checks signatures by testid/testsecret at the examples'
// time plus skew.
func signingHandler(skew time.Duration) *Handler {
	h := quiet(Config{AccessKeys: acs.NewKeys(map[string]string{"testid": "testsecret"})})
	at, _ := http.ParseTime(signedAt)
	h.now = func() time.Time { return at.Add(skew) }
	return h
}

func TestWorkedExamplesVerify(t *testing.T) {
	for name, raw := range map[string]string{"node SendMessage": nodeSendMessage, "python ReceiveMessage": pythonReceive} {
		t.Run(name, func(t *testing.T) {
			if err := signingHandler(0).checkSignature(readRequest(t, raw)); err != nil {
				t.Fatalf("the SDK's signature was refused: %v", err)
			}
		})
	}
}

// signedBy returns the raw request with an Authorization signed over
// resource by testsecret.
func signedBy(t *testing.T, method, target, resource string, headers ...string) *http.Request {
	t.Helper()
	raw := method + " " + target + " HTTP/1.1\r\nHost: h\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
	r := readRequest(t, raw)
	r.Header.Set("Authorization", "MNS testid:"+acs.MNSSignature("testsecret", acs.MNSStringToSign(method, resource, r.Header)))
	return r
}

// The resource is signed as sent: Node's raw handle and Go's
// url.QueryEscaped one are each signed in their own spelling, and a
// signature over another spelling does not match.
func TestTheResourceIsTheRawRequestTarget(t *testing.T) {
	h := signingHandler(0)
	for _, tt := range []struct{ target, other string }{
		{"/queues/q1/messages?ReceiptHandle=1-ab+c/d==", "/queues/q1/messages?ReceiptHandle=1-ab%2Bc%2Fd%3D%3D"},
		{"/queues/q1/messages?ReceiptHandle=1-ab%2Bc%2Fd%3D%3D", "/queues/q1/messages?ReceiptHandle=1-ab+c/d=="},
		{"/queues/q1/messages?receiptHandle=r1.abc_-&visibilityTimeout=10", "/queues/q1/messages?receiptHandle=r1.abc_-"},
		{"/queues/q%2D1", "/queues/q-1"},
	} {
		if err := h.checkSignature(signedBy(t, "DELETE", tt.target, tt.target, "Date: "+signedAt)); err != nil {
			t.Errorf("%s signed as sent: %v", tt.target, err)
		}
		err := h.checkSignature(signedBy(t, "DELETE", tt.target, tt.other, "Date: "+signedAt))
		wantCode(t, err, 403, "SignatureDoesNotMatch")
	}
}

// x-mns-* headers are signed lowercased, sorted and trimmed, other headers
// not at all; the string to sign here is written out by hand.
func TestCanonicalHeaders(t *testing.T) {
	r := readRequest(t, "GET /queues HTTP/1.1\r\nHost: h\r\n"+
		"X-MNS-Version: 2015-06-06\r\nx-mns-prefix:  p-  \r\nX-Mns-Marker: m\r\nX-Other: not signed\r\n"+
		"Date: "+signedAt+"\r\n\r\n")
	toSign := "GET\n\n\n" + signedAt + "\nx-mns-marker:m\nx-mns-prefix:p-\nx-mns-version:2015-06-06\n/queues"
	r.Header.Set("Authorization", "MNS testid:"+acs.MNSSignature("testsecret", toSign))
	if err := signingHandler(0).checkSignature(r); err != nil {
		t.Fatal(err)
	}
}

// Without Date, x-mns-date is the date signed and checked; with both, Date
// is, and x-mns-date is only one more signed header.
func TestDateOrXMNSDate(t *testing.T) {
	h := signingHandler(0)
	if err := h.checkSignature(signedBy(t, "GET", "/queues", "/queues", "x-mns-date: "+signedAt)); err != nil {
		t.Errorf("x-mns-date alone: %v", err)
	}
	stale := "x-mns-date: Fri, 10 Jul 2015 03:01:34 GMT"
	if err := h.checkSignature(signedBy(t, "GET", "/queues", "/queues", "Date: "+signedAt, stale)); err != nil {
		t.Errorf("Date with another x-mns-date: %v", err)
	}
	err := h.checkSignature(signedBy(t, "GET", "/queues", "/queues", stale))
	wantCode(t, err, 408, "TimeExpired")
}

func TestSignatureErrors(t *testing.T) {
	signed := func(method, target string, headers ...string) string {
		return signedBy(t, method, target, target, headers...).Header.Get("Authorization")
	}
	date := "Date: " + signedAt
	tests := []struct {
		name    string
		skew    time.Duration
		headers []string
		status  int
		code    string
	}{
		{"no Authorization", 0, []string{date}, 400, "MissingAuthorizationHeader"},
		{"not MNS", 0, []string{date, "Authorization: Bearer x"}, 400, "InvalidAuthorizationHeader"},
		{"V4", 0, []string{date, "Authorization: MNS4-HMAC-SHA256 Credential=testid/20150709/cn/mns/aliyun_v4_request,Signature=ab"}, 400, "InvalidAuthorizationHeader"},
		{"no signature", 0, []string{date, "Authorization: MNS testid:"}, 400, "InvalidAuthorizationHeader"},
		{"unknown key", 0, []string{date, "Authorization: MNS other:abc="}, 403, "InvalidAccessKeyId"},
		{"no date", 0, []string{"Authorization: " + signed("GET", "/queues")}, 400, "MissingDateHeader"},
		{"wrong signature", 0, []string{date, "Authorization: MNS testid:y063ZKjz4sReV8lfNYIVyJR/DUk="}, 403, "SignatureDoesNotMatch"},
		{"another secret's", 0, []string{date, "Authorization: MNS testid:" + acs.MNSSignature("other", "GET\n\n\n"+signedAt+"\n/queues")}, 403, "SignatureDoesNotMatch"},
		{"date not HTTP", 0, []string{"Date: 2015-07-09T03:01:34Z", "Authorization: " + signed("GET", "/queues", "Date: 2015-07-09T03:01:34Z")}, 400, "InvalidDateHeader"},
		{"16 minutes late", 16 * time.Minute, []string{date, "Authorization: " + signed("GET", "/queues", date)}, 408, "TimeExpired"},
		{"16 minutes early", -16 * time.Minute, []string{date, "Authorization: " + signed("GET", "/queues", date)}, 408, "TimeExpired"},
		{"14 minutes late", 14 * time.Minute, []string{date, "Authorization: " + signed("GET", "/queues", date)}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readRequest(t, "GET /queues HTTP/1.1\r\nHost: h\r\n"+strings.Join(tt.headers, "\r\n")+"\r\n\r\n")
			err := signingHandler(tt.skew).checkSignature(r)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var apiErr *apiError
			if !errors.As(err, &apiErr) || apiErr.status != tt.status || apiErr.code != tt.code {
				t.Fatalf("got %v, want %d %s", err, tt.status, tt.code)
			}
		})
	}
}

func TestContentMD5(t *testing.T) {
	body := []byte(nodeSendMessageBody)
	sum := md5.Sum(body)
	for _, tt := range []struct {
		name, header string
		ok           bool
	}{
		{"absent", "", true},
		{"SDK form: base64 of the hex digest", "ZDAwOTFmMjA0Yzc1MThiOWZhNzQyMDMxODk1ZDk1ZmQ=", true},
		{"hex in upper case", base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(hex.EncodeToString(sum[:])))), true},
		{"RFC 1864 form: base64 of the digest", base64.StdEncoding.EncodeToString(sum[:]), true},
		{"another body's", "ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=", false},
		{"not base64", "not base64!", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.header != "" {
				header.Set("Content-MD5", tt.header)
			}
			err := checkContentMD5(header, body)
			var apiErr *apiError
			if tt.ok != (err == nil) || (err != nil && (!errors.As(err, &apiErr) || apiErr.code != "InvalidDegist" || apiErr.status != 400)) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// Node sends the empty body's digest on a DELETE without one.
	header := http.Header{"Content-Md5": {"ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U="}}
	if err := checkContentMD5(header, nil); err != nil {
		t.Fatalf("the empty body's digest: %v", err)
	}
}
