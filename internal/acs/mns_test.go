package acs

import (
	"net/http"
	"testing"
)

// The worked examples of reference mns-api.md §1.3, computed by the Node
// SDK's own sign().
func TestMNSWorkedExamples(t *testing.T) {
	const date = "Thu, 09 Jul 2015 03:01:34 GMT"
	send := http.Header{}
	send.Set("Content-MD5", "ZDAwOTFmMjA0Yzc1MThiOWZhNzQyMDMxODk1ZDk1ZmQ=")
	send.Set("Content-Type", "text/xml")
	send.Set("Date", date)
	send.Set("X-Mns-Date", date)
	send.Set("X-Mns-Version", "2015-06-06")
	receive := http.Header{}
	receive.Set("Date", date)
	receive.Set("x-mns-version", "2015-06-06")
	for _, c := range []struct {
		method, resource string
		header           http.Header
		want             string
	}{
		{"POST", "/queues/q1/messages", send, "y063ZKjz4sReV8lfNYIVyJR/DUk="},
		{"GET", "/queues/q1/messages?waitseconds=10", receive, "emBQ8UMuSc+y9zTo5iuRBfKkjRo="},
	} {
		if got := MNSSignature("testsecret", MNSStringToSign(c.method, c.resource, c.header)); got != c.want {
			t.Errorf("%s %s: signature %s, want %s\nstring to sign:\n%s", c.method, c.resource, got, c.want, MNSStringToSign(c.method, c.resource, c.header))
		}
	}
}

// Only Date is signed when both dates are sent; x-mns-date alone stands in
// for it.
func TestMNSDate(t *testing.T) {
	h := http.Header{}
	h.Set("x-mns-date", "B")
	if MNSDate(h) != "B" {
		t.Error("x-mns-date alone is the date")
	}
	h.Set("Date", "A")
	if MNSDate(h) != "A" {
		t.Error("Date wins over x-mns-date")
	}
}
