package gateway

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// Requests captured from Alibaba's SDKs, signed with AccessKeyId testid and
// secret testsecret (reference fnf-api.md §6).
const (
	coreReportTaskSucceeded = `POST /?AccessKeyId=testid&Action=ReportTaskSucceeded&Format=JSON&RegionId=cn-hangzhou&Signature=IP8y0a5gvNn5F1h9oC%2BWx5F7bXU%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=4e23aca3234606f7eef3334dc47fc164&SignatureType=&SignatureVersion=1.0&TaskToken=tok%2Fwith%2Bspecial+chars%2A~%26x%3Dy&Timestamp=2026-11-26T16%3A22%3A53Z&Version=2019-03-15 HTTP/1.1
Host: 127.0.0.1:18089
Accept-Encoding: identity
Content-Length: 57
Content-Type: application/x-www-form-urlencoded
User-Agent: AlibabaCloud (linux; amd64) Golang/1.26.8 Core/1.63.22
X-Acs-Action: ReportTaskSucceeded
X-Acs-Credentials-Provider: static_ak
X-Acs-Version: 2019-03-15
X-Sdk-Client: golang/1.0.0
X-Sdk-Core-Version: 1.63.22
X-Sdk-Invoke-Type: normal

Output=%7B%22result%22%3A%22ok+%C3%BC%22%2C%22n%22%3A1%7D`

	coreReportTaskFailed = `POST /?AccessKeyId=testid&Action=ReportTaskFailed&Format=JSON&RegionId=cn-hangzhou&Signature=jlakdXPbkbBRnIHKr0p1c4pP2F4%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=c7f50b5bfaec5243f48f80c3c9c10a92&SignatureType=&SignatureVersion=1.0&TaskToken=tok%2Fwith%2Bspecial+chars%2A~%26x%3Dy&Timestamp=2026-11-26T16%3A22%3A53Z&Version=2019-03-15 HTTP/1.1
Host: 127.0.0.1:18089
Content-Length: 56
Content-Type: application/x-www-form-urlencoded
X-Acs-Action: ReportTaskFailed
X-Acs-Version: 2019-03-15

Cause=boom%3A+it+broke%0Asecond+line&Error=Worker.Failed`

	coreDescribeExecution = `GET /?AccessKeyId=testid&Action=DescribeExecution&ExecutionName=exec-1&FlowName=my_flow&Format=JSON&RegionId=cn-hangzhou&Signature=2J1GiLMI9Z6tsVwoyzS8v8CxFvw%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=3271ce82daa41ca40ddda25ec6618abf&SignatureType=&SignatureVersion=1.0&Timestamp=2026-11-26T16%3A22%3A53Z&Version=2019-03-15&WaitTimeSeconds=5 HTTP/1.1
Host: 127.0.0.1:18089
Accept-Encoding: identity
Content-Type: application/x-www-form-urlencoded
X-Acs-Action: DescribeExecution
X-Acs-Version: 2019-03-15

`

	teaReportTaskSucceeded = `POST /?AccessKeyId=testid&Action=ReportTaskSucceeded&Format=json&Signature=oGN2c%2BNMu1jBXAMzVUY4J%2F51hUA%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=eee7fb6fed4816a8d6485218b35c1826&SignatureVersion=1.0&TaskToken=tok%2Fwith%2Bspecial+chars%2A~%26x%3Dy&Timestamp=2026-11-26T16%3A22%3A53Z&Version=2019-03-15 HTTP/1.1
Host: 127.0.0.1:18089
Accept-Encoding: gzip
Content-Length: 57
Content-Type: application/x-www-form-urlencoded
User-Agent: AlibabaCloud (linux; amd64) Golang/1.26.8 Core/0.01 TeaDSL/2
X-Acs-Action: ReportTaskSucceeded
X-Acs-Credentials-Provider: static_ak
X-Acs-Version: 2019-03-15

Output=%7B%22result%22%3A%22ok+%C3%BC%22%2C%22n%22%3A1%7D`

	teaV3ReportTaskSucceeded = `POST /?TaskToken=tok%2Fwith%2Bspecial+chars%2A~%26x%3Dy HTTP/1.1
Host: 127.0.0.1:18089
Accept: application/json
Accept-Encoding: gzip
Authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=605a79b18ac0ab0228bb69b0354e2f0da6896cf70617d6681c42fc69f397c17d
Content-Length: 57
Content-Type: application/x-www-form-urlencoded
User-Agent: AlibabaCloud (linux; amd64) Golang/1.26.8 Core/0.01 TeaDSL/2
X-Acs-Action: ReportTaskSucceeded
X-Acs-Content-Sha256: f293e2e5a882734cea7442c19ceb50c8bc121fcca98b3be32db1fbe62567f635
X-Acs-Credentials-Provider: static_ak
X-Acs-Date: 2026-11-26T16:22:54Z
X-Acs-Signature-Nonce: d0b325212f36854affa555d91a0f5ea0
X-Acs-Version: 2019-03-15

Output=%7B%22result%22%3A%22ok+%C3%BC%22%2C%22n%22%3A1%7D`

	teaV3GetExecutionHistory = `GET /?ExecutionName=exec-1&FlowName=my_flow&Limit=10&NextToken=page-2 HTTP/1.1
Host: 127.0.0.1:18089
Accept: application/json
Accept-Encoding: gzip
Authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=425f7653b4409789df0b7c938455e63216a97a831f08fa9d53e7594cbcc577b1
User-Agent: AlibabaCloud (linux; amd64) Golang/1.26.8 Core/0.01 TeaDSL/2
X-Acs-Action: GetExecutionHistory
X-Acs-Content-Sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
X-Acs-Credentials-Provider: static_ak
X-Acs-Date: 2026-11-26T16:22:54Z
X-Acs-Signature-Nonce: d4b2cc21b6fc60ddafaccebc17b8e763
X-Acs-Version: 2019-03-15

`
)

// captureTime is a moment shortly after the captures were signed.
var captureTime = time.Date(2026, 11, 26, 16, 25, 0, 0, time.UTC)

func parseCapture(t *testing.T, raw string) *request {
	t.Helper()
	req, err := readRequest(captureRequest(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// captureRequest reads a capture as a server receives it.
func captureRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	// The captures are printed with bare newlines; HTTP wants CRLF in the head.
	head, body, _ := strings.Cut(raw, "\n\n")
	wire := strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body
	httpReq, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
	if err != nil {
		t.Fatal(err)
	}
	return httpReq
}

func signingServer() *Server {
	s := New(Config{AccessKeys: acs.NewKeys(map[string]string{"testid": "testsecret"}), Logger: quietLogger})
	s.now = func() time.Time { return captureTime }
	return s
}

// TestWorkedVector is the worked example of reference fnf-api.md §3.1, read
// from the wire as the gateway reads it.
func TestWorkedVector(t *testing.T) {
	req := parseCapture(t, coreReportTaskSucceeded)
	const wantStringToSign = "POST&%2F&AccessKeyId%3Dtestid%26Action%3DReportTaskSucceeded%26Format%3DJSON%26Output%3D%257B%2522result%2522%253A%2522ok%2520%25C3%25BC%2522%252C%2522n%2522%253A1%257D%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D4e23aca3234606f7eef3334dc47fc164%26SignatureType%3D%26SignatureVersion%3D1.0%26TaskToken%3Dtok%252Fwith%252Bspecial%2520chars%252A~%2526x%253Dy%26Timestamp%3D2026-11-26T16%253A22%253A53Z%26Version%3D2019-03-15"
	stringToSign := acs.StringToSign(req.method, req.params)
	if stringToSign != wantStringToSign {
		t.Errorf("string to sign\n got %s\nwant %s", stringToSign, wantStringToSign)
	}
	if got := acs.Signature("testsecret", stringToSign); got != "IP8y0a5gvNn5F1h9oC+Wx5F7bXU=" {
		t.Errorf("signature %s, want IP8y0a5gvNn5F1h9oC+Wx5F7bXU=", got)
	}
}

func TestV3CanonicalRequest(t *testing.T) {
	req := parseCapture(t, teaV3ReportTaskSucceeded)
	const want = "POST\n/\nTaskToken=tok%2Fwith%2Bspecial%20chars%2A~%26x%3Dy\n" +
		"content-type:application/x-www-form-urlencoded\nhost:127.0.0.1:18089\nx-acs-action:ReportTaskSucceeded\n" +
		"x-acs-content-sha256:f293e2e5a882734cea7442c19ceb50c8bc121fcca98b3be32db1fbe62567f635\n" +
		"x-acs-credentials-provider:static_ak\nx-acs-date:2026-11-26T16:22:54Z\nx-acs-signature-nonce:d0b325212f36854affa555d91a0f5ea0\n" +
		"x-acs-version:2019-03-15\n\n" +
		"content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
		"f293e2e5a882734cea7442c19ceb50c8bc121fcca98b3be32db1fbe62567f635"
	signed := strings.Split("content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version", ";")
	if got := v3CanonicalRequest(req, signed); got != want {
		t.Errorf("canonical request\n got %q\nwant %q", got, want)
	}
}

func TestCapturedSignaturesVerify(t *testing.T) {
	s := signingServer()
	for name, raw := range map[string]string{
		"core ReportTaskSucceeded":   coreReportTaskSucceeded,
		"core ReportTaskFailed":      coreReportTaskFailed,
		"core DescribeExecution":     coreDescribeExecution,
		"tea ReportTaskSucceeded":    teaReportTaskSucceeded,
		"tea-v3 ReportTaskSucceeded": teaV3ReportTaskSucceeded,
		"tea-v3 GetExecutionHistory": teaV3GetExecutionHistory,
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.checkSignature(parseCapture(t, raw)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSignatureRefusals(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		change func(r *request)
		now    time.Time
		code   string
		status int
	}{
		{"changed form parameter", coreReportTaskSucceeded, func(r *request) { r.params["Output"] = `{"result":"forged"}` }, captureTime, "SignatureNotMatch", 403},
		{"changed query parameter", coreReportTaskFailed, func(r *request) { r.params["TaskToken"] = "other" }, captureTime, "SignatureNotMatch", 403},
		{"unknown key", coreDescribeExecution, func(r *request) { r.params["AccessKeyId"] = "nobody" }, captureTime, "InvalidAccessKeyID", 403},
		{"unsigned", coreDescribeExecution, func(r *request) { delete(r.params, "Signature") }, captureTime, "AccessDenied", 403},
		{"other method", coreDescribeExecution, func(r *request) { r.method = "POST" }, captureTime, "SignatureNotMatch", 403},
		{"too old", coreDescribeExecution, nil, captureTime.Add(time.Hour), "RequestTimeTooSkewed", 403},
		{"v3 changed body", teaV3ReportTaskSucceeded, func(r *request) { r.body = []byte("Output=%7B%7D") }, captureTime, "SignatureNotMatch", 403},
		{"v3 changed query", teaV3GetExecutionHistory, func(r *request) { r.query.Set("Limit", "11") }, captureTime, "SignatureNotMatch", 403},
		{"v3 unsigned x-acs header", teaV3GetExecutionHistory, func(r *request) { r.header.Set("x-acs-action", "DeleteFlow") }, captureTime, "SignatureNotMatch", 403},
		{"v3 extra unsigned x-acs header", teaV3GetExecutionHistory, func(r *request) { r.header.Set("x-acs-extra", "1") }, captureTime, "SignatureNotMatch", 403},
		{"v3 too new", teaV3GetExecutionHistory, nil, captureTime.Add(-time.Hour), "RequestTimeTooSkewed", 403},
		{"v3 unknown key", teaV3GetExecutionHistory, func(r *request) {
			r.header.Set("Authorization", strings.Replace(r.header.Get("Authorization"), "Credential=testid", "Credential=nobody", 1))
		}, captureTime, "InvalidAccessKeyID", 403},
		{"json body without v3", coreDescribeExecution, func(r *request) { r.jsonBody = true }, captureTime, "SignatureNotMatch", 403},
		// RPC v1 does not sign x-acs-action, which would name the action otherwise.
		{"rpc without Action", coreDescribeExecution, func(r *request) { delete(r.params, "Action") }, captureTime, "MissingRequiredParams", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := signingServer()
			s.now = func() time.Time { return tt.now }
			req := parseCapture(t, tt.raw)
			if tt.change != nil {
				tt.change(req)
			}
			err := s.checkSignature(req)
			apiErr := asAPIError(err)
			if err == nil || apiErr.code != tt.code || apiErr.status != tt.status {
				t.Errorf("got %v (status %d), want %s %d", err, apiErr.status, tt.code, tt.status)
			}
		})
	}
}

func TestNoAccessKeysNoCheck(t *testing.T) {
	s := New(Config{Logger: quietLogger})
	req := parseCapture(t, coreDescribeExecution)
	req.params["Signature"] = "garbage"
	if err := s.checkSignature(req); err != nil {
		t.Errorf("without access keys, signatures are not checked: %v", err)
	}
}
