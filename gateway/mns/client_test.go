package mns_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/gateway/mns"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// The integration tests share the embedded Temporal server of testenv, one
// worker running the queue and topic workflows, and one MNS face requiring
// signatures, started by the first test that needs them; the protocol tests
// of package mns run without them. testenv.Main stops what was started.
func TestMain(m *testing.M) { testenv.Main(m) }

const (
	taskQueue       = "mns-test"
	accessKeyID     = "testid"
	accessKeySecret = "testsecret"
)

var (
	envOnce sync.Once
	baseURL string
	envErr  error
)

// gateway returns a client of the shared MNS face, starting it on first use.
func gateway(t *testing.T) *client {
	t.Helper()
	server := testenv.Start(t)
	envOnce.Do(func() {
		qs := queues.New(server.Client, queues.Config{Namespace: server.Namespace, TaskQueue: taskQueue,
			Handles: server.Signer, Identity: "mns-test", GroupSends: true})
		w := sdkworker.New(server.Client, taskQueue, sdkworker.Options{})
		queues.Register(w, server.Client)
		topics.Register(w, topics.Deps{Queues: qs})
		if envErr = w.Start(); envErr != nil {
			return
		}
		testenv.OnStop(w.Stop)
		h := mns.New(mns.Config{
			Queues:     qs,
			Topics:     topics.New(server.Client, topics.Config{TaskQueue: taskQueue}),
			AccessKeys: acs.NewKeys(map[string]string{accessKeyID: accessKeySecret}),
			Logger:     server.Logger,
		})
		srv := httptest.NewServer(h)
		testenv.OnStop(srv.Close)
		baseURL = srv.URL
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return &client{t: t, base: baseURL}
}

// client is the tests' MNS client: raw net/http, signing the way the SDKs
// do (reference mns-api.md §1.3), so that the tests see the wire.
type client struct {
	t    *testing.T
	base string
}

// response is a reply as it came.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a signed request for target (path and raw query, signed as
// written) with body and extra headers as name, value pairs.
func (c *client) do(method, target, body string, headers ...string) response {
	c.t.Helper()
	r, err := c.try(method, target, body, headers...)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// try is do for a goroutine of the test, which must not call t.Fatal.
func (c *client) try(method, target, body string, headers ...string) (response, error) {
	r, err := http.NewRequest(method, c.base+target, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	r.Header.Set("x-mns-version", "2015-06-06")
	if body != "" {
		sum := md5.Sum([]byte(body))
		r.Header.Set("Content-Type", "text/xml")
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	r.Header.Set("Authorization", "MNS "+accessKeyID+":"+signature(method, target, r.Header))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the reply: %w", method, target, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: got}, nil
}

func signature(method, target string, header http.Header) string {
	var mnsHeaders []string
	for name := range header {
		if name = strings.ToLower(name); strings.HasPrefix(name, "x-mns-") {
			mnsHeaders = append(mnsHeaders, name+":"+strings.TrimSpace(header.Get(name))+"\n")
		}
	}
	slices.Sort(mnsHeaders)
	toSign := method + "\n" + header.Get("Content-MD5") + "\n" + header.Get("Content-Type") + "\n" + header.Get("Date") + "\n" +
		strings.Join(mnsHeaders, "") + target
	mac := hmac.New(sha1.New, []byte(accessKeySecret))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// want checks a reply's status and, for an error, its code; it returns the
// reply's document.
func (r response) want(t *testing.T, status int, code ...string) document {
	t.Helper()
	doc := parse(t, r.body)
	if r.status != status || (len(code) > 0 && doc.field("Code") != code[0]) {
		t.Fatalf("got %d %s, want %d %v", r.status, r.body, status, code)
	}
	if len(r.body) > 0 && r.header.Get("Content-Type") != "text/xml;charset=utf-8" {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if r.header.Get("x-mns-request-id") == "" {
		t.Fatal("no x-mns-request-id")
	}
	return doc
}

// document is a reply read generically: its root's name and children, each
// an element with its text and children, so that tests can check which
// elements are there, as the SDKs' decoders do.
type document struct {
	XMLName  xml.Name
	Text     string     `xml:",chardata"`
	Children []document `xml:",any"`
}

func parse(t *testing.T, body []byte) document {
	t.Helper()
	var d document
	if len(bytes.TrimSpace(body)) == 0 {
		return d
	}
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("reply %q: %v", body, err)
	}
	if d.XMLName.Space != mns.Namespace {
		t.Fatalf("reply %q: namespace %q", body, d.XMLName.Space)
	}
	return d
}

// field is the text of the first child named name, "" when there is none.
func (d document) field(name string) string {
	for _, c := range d.Children {
		if c.XMLName.Local == name {
			return c.Text
		}
	}
	return ""
}

// names are the names of d's children, in order.
func (d document) names() []string {
	var names []string
	for _, c := range d.Children {
		names = append(names, c.XMLName.Local)
	}
	return names
}

// all are the children named name.
func (d document) all(name string) []document {
	var found []document
	for _, c := range d.Children {
		if c.XMLName.Local == name {
			found = append(found, c)
		}
	}
	return found
}

func (d document) wantNames(t *testing.T, names ...string) {
	t.Helper()
	if got := d.names(); !slices.Equal(got, names) {
		t.Fatalf("<%s> has %v, want %v", d.XMLName.Local, got, names)
	}
}

// name is a resource name of the test's own (testenv.ResourceName), in
// lower case.
func name(t *testing.T, suffix ...string) string {
	return strings.ToLower(testenv.ResourceName(t, strings.Join(suffix, "")))
}

// eventually retries check until it holds or 20 s have passed.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
