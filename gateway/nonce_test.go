package gateway

import (
	"net/http"
	"testing"
	"time"
)

func TestReusedNonceIsRefused(t *testing.T) {
	for name, raw := range map[string]string{
		"RPC v1":           coreReportTaskSucceeded,
		"ACS3-HMAC-SHA256": teaV3ReportTaskSucceeded,
	} {
		t.Run(name, func(t *testing.T) {
			s := signingServer()
			if err := s.checkSignature(parseCapture(t, raw)); err != nil {
				t.Fatalf("first use: %v", err)
			}
			for range 2 {
				err := s.checkSignature(parseCapture(t, raw))
				if got := asAPIError(err); err == nil || got.code != "SignatureNonceUsed" || got.status != http.StatusBadRequest {
					t.Errorf("replay: got %v (status %d), want 400 SignatureNonceUsed", err, got.status)
				}
			}
		})
	}
}

// TestForgedRequestDoesNotBurnTheNonce: only a verified request records its
// nonce, or anyone could refuse a client's requests by sending their nonces
// first.
func TestForgedRequestDoesNotBurnTheNonce(t *testing.T) {
	s := signingServer()
	forged := parseCapture(t, coreReportTaskSucceeded)
	forged.params["Output"] = `{"result":"forged"}`
	if err := s.checkSignature(forged); asAPIError(err).code != "SignatureNotMatch" {
		t.Fatalf("forged: %v", err)
	}
	if err := s.checkSignature(parseCapture(t, coreReportTaskSucceeded)); err != nil {
		t.Errorf("the genuine request after a forged one with its nonce: %v", err)
	}
}

func TestSignedRequestNeedsANonce(t *testing.T) {
	s := signingServer()
	rpc := parseCapture(t, coreDescribeExecution)
	delete(rpc.params, "SignatureNonce")
	if err := s.checkSignature(rpc); asAPIError(err).code != "MissingRequiredParams" {
		t.Errorf("RPC v1 without SignatureNonce: %v", err)
	}
	v3 := parseCapture(t, teaV3GetExecutionHistory)
	v3.header.Del("x-acs-signature-nonce")
	if err := s.checkSignature(v3); asAPIError(err).code != "MissingRequiredHeader" {
		t.Errorf("ACS3 without x-acs-signature-nonce: %v", err)
	}
}

func TestNoncesExpireWithTheirWindow(t *testing.T) {
	n := newNonceStore(10)
	signed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if err := n.use("id", "a", signed, signed); err != nil {
		t.Fatal(err)
	}
	// Still within the window: a request signed then is still accepted, so
	// its nonce must still be refused.
	if err := n.use("id", "a", signed, signed.Add(maxClockSkew)); asAPIError(err).code != "SignatureNonceUsed" {
		t.Errorf("at the end of the window: %v", err)
	}
	if err := n.use("id", "a", signed, signed.Add(maxClockSkew+time.Second)); err != nil {
		t.Errorf("past the window, when the timestamp refuses the request anyway: %v", err)
	}
	if err := n.use("other", "a", signed, signed); err != nil {
		t.Errorf("the same nonce from another AccessKeyId: %v", err)
	}
}

// TestFullNonceStoreRefuses: a full store answers 503 rather than forget a
// nonce early, which would let its request be replayed.
func TestFullNonceStoreRefuses(t *testing.T) {
	n := newNonceStore(2)
	signed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, nonce := range []string{"a", "b"} {
		if err := n.use("id", nonce, signed, signed); err != nil {
			t.Fatal(err)
		}
	}
	err := n.use("id", "c", signed, signed)
	if got := asAPIError(err); err == nil || got.code != "ServiceUnavailable" || got.status != http.StatusServiceUnavailable {
		t.Errorf("full: got %v, want 503 ServiceUnavailable", err)
	}
	if err := n.use("id", "a", signed, signed); asAPIError(err).code != "SignatureNonceUsed" {
		t.Errorf("full, a nonce it holds: %v", err)
	}
	if err := n.use("id", "c", signed.Add(time.Minute), signed.Add(maxClockSkew+time.Second)); err != nil {
		t.Errorf("once the first nonces expired: %v", err)
	}
	if len(n.seen) != 1 || len(n.expiring) != 1 {
		t.Errorf("%d nonces, %d expiries remembered; want only c", len(n.seen), len(n.expiring))
	}
}

func TestNoAccessKeysNoNonces(t *testing.T) {
	s := New(Config{Logger: quietLogger})
	for range 2 {
		if err := s.checkSignature(parseCapture(t, coreDescribeExecution)); err != nil {
			t.Errorf("without access keys, nonces are not checked: %v", err)
		}
	}
}
