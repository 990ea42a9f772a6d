package gateway

import (
	"container/heap"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// maxClockSkew is how far a signed request's timestamp may be from the
// gateway's clock; it also bounds how long a nonce must be remembered.
const maxClockSkew = 15 * time.Minute

const v3Algorithm = "ACS3-HMAC-SHA256"

// checkSignature verifies the caller when access keys are configured, the
// way Alibaba's SDKs sign (reference fnf-api.md §3): ACS3-HMAC-SHA256 when
// the Authorization header says so, RPC v1 (HMAC-SHA1) otherwise.
func (s *Server) checkSignature(r *request) error {
	if !s.cfg.AccessKeys.Required() {
		return nil
	}
	if auth := r.header.Get("Authorization"); strings.HasPrefix(auth, v3Algorithm+" ") {
		return s.checkV3Signature(r, strings.TrimPrefix(auth, v3Algorithm+" "))
	}
	if r.jsonBody {
		// An RPC v1 signature covers the query and a form body only; a JSON
		// body would travel unsigned.
		return errSignature("A JSON body must be signed with %s.", v3Algorithm)
	}
	return s.checkRPCSignature(r)
}

func errSignature(format string, args ...any) *apiError {
	return newError(http.StatusForbidden, "SignatureNotMatch", format, args...)
}

func errAccessKey(id string) *apiError {
	return newError(http.StatusForbidden, "InvalidAccessKeyID", "The AccessKeyId %q is not known.", id)
}

func (s *Server) checkRPCSignature(r *request) error {
	id := r.param("AccessKeyId")
	signature := r.param("Signature")
	if id == "" || signature == "" {
		return newError(http.StatusForbidden, "AccessDenied", "The request must be signed: this gateway checks Alibaba Cloud signatures.")
	}
	secret, ok := s.cfg.AccessKeys.Secret(id)
	if !ok {
		return errAccessKey(id)
	}
	if m, v := r.param("SignatureMethod"), r.param("SignatureVersion"); m != "HMAC-SHA1" || v != "1.0" {
		return errSignature("SignatureMethod %q version %q is not supported; use HMAC-SHA1 1.0.", m, v)
	}
	signedAt, err := s.checkTimestamp(r.param("Timestamp"))
	if err != nil {
		return err
	}
	nonce := r.param("SignatureNonce")
	if nonce == "" {
		return errMissingParam("SignatureNonce")
	}
	// Without it, the action would be read from the x-acs-action header,
	// which RPC v1 does not sign.
	if r.param("Action") == "" {
		return errMissingParam("Action")
	}
	want := acs.Signature(secret, acs.StringToSign(r.method, r.params))
	if !hmac.Equal([]byte(signature), []byte(want)) {
		return errSignature("The request signature does not match.")
	}
	return s.nonces.use(id, nonce, signedAt, s.now())
}

// checkTimestamp checks a signed request's timestamp and returns it.
func (s *Server) checkTimestamp(text string) (time.Time, error) {
	if text == "" {
		return time.Time{}, errSignature("The signed request has no timestamp.")
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return time.Time{}, errSignature("The timestamp %q is not an ISO 8601 UTC time.", text)
	}
	if skew := s.now().Sub(t); skew > maxClockSkew || skew < -maxClockSkew {
		return time.Time{}, newError(http.StatusForbidden, "RequestTimeTooSkewed", "The request time %s is more than %v away from the server's.", text, maxClockSkew)
	}
	return t, nil
}

// checkV3Signature verifies an ACS3-HMAC-SHA256 Authorization (the part
// after the algorithm): "Credential=ID,SignedHeaders=a;b,Signature=hex".
func (s *Server) checkV3Signature(r *request, auth string) error {
	fields := map[string]string{}
	for part := range strings.SplitSeq(auth, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[name] = value
	}
	id, signature := fields["Credential"], fields["Signature"]
	signed := strings.Split(fields["SignedHeaders"], ";")
	if id == "" || signature == "" || fields["SignedHeaders"] == "" {
		return errSignature("The Authorization header is not a complete %s signature.", v3Algorithm)
	}
	secret, ok := s.cfg.AccessKeys.Secret(id)
	if !ok {
		return errAccessKey(id)
	}
	// Every x-acs-* header is signed, or one could be changed (x-acs-action
	// names the action); and the body is bound by its hash.
	for name := range r.header {
		if name = strings.ToLower(name); strings.HasPrefix(name, "x-acs-") && !slices.Contains(signed, name) {
			return errSignature("The header %s is not signed.", name)
		}
	}
	if !slices.Contains(signed, "host") || !slices.Contains(signed, "x-acs-content-sha256") {
		return errSignature("The headers host and x-acs-content-sha256 must be signed.")
	}
	bodyHash := sha256.Sum256(r.body)
	if r.header.Get("x-acs-content-sha256") != hex.EncodeToString(bodyHash[:]) {
		return errSignature("x-acs-content-sha256 does not match the body.")
	}
	signedAt, err := s.checkTimestamp(r.header.Get("x-acs-date"))
	if err != nil {
		return err
	}
	nonce := r.header.Get("x-acs-signature-nonce")
	if nonce == "" {
		return newError(http.StatusBadRequest, "MissingRequiredHeader", "The HTTP header 'x-acs-signature-nonce' must be specified.")
	}
	want := v3Signature(secret, v3CanonicalRequest(r, signed))
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(want)) {
		return errSignature("The request signature does not match.")
	}
	return s.nonces.use(id, nonce, signedAt, s.now())
}

// v3CanonicalRequest is the canonical request of reference fnf-api.md §3.2.
func v3CanonicalRequest(r *request, signedHeaders []string) string {
	var query []string
	for name, values := range r.query {
		for _, value := range values {
			query = append(query, acs.PercentEncode(name)+"="+acs.PercentEncode(value))
		}
	}
	slices.Sort(query)
	var headers strings.Builder
	for _, name := range signedHeaders {
		value := r.header.Get(name)
		if name == "host" {
			value = r.host
		}
		headers.WriteString(name + ":" + strings.TrimSpace(value) + "\n")
	}
	bodyHash := sha256.Sum256(r.body)
	return strings.Join([]string{
		r.method,
		"/",
		strings.Join(query, "&"),
		headers.String(),
		strings.Join(signedHeaders, ";"),
		hex.EncodeToString(bodyHash[:]),
	}, "\n")
}

// v3Signature is hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" +
// hex(sha256(canonicalRequest)))).
func v3Signature(secret, canonicalRequest string) string {
	hash := sha256.Sum256([]byte(canonicalRequest))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(v3Algorithm + "\n" + hex.EncodeToString(hash[:])))
	return hex.EncodeToString(mac.Sum(nil))
}

// DefaultMaxNonces is how many nonces a gateway remembers unless configured:
// about 140 bytes each (70 MB in all), enough for some 500 signed requests a
// second.
const DefaultMaxNonces = 500_000

// nonceStore remembers the nonce of every verified signed request until the
// request's timestamp leaves the window, so that a captured request cannot be
// replayed: the managed service refuses a reused nonce too. It lives in one
// gateway's memory; docs/api.md says what that means for replicas.
type nonceStore struct {
	mu    sync.Mutex
	limit int
	// seen holds the keys of the nonces remembered, expiring the same keys
	// with when each may be forgotten.
	seen     map[nonceKey]struct{}
	expiring nonceHeap
}

// nonceKey is a hash of AccessKeyId and nonce, so that an entry's size does
// not depend on what the caller sent.
type nonceKey [sha256.Size]byte

func newNonceStore(limit int) *nonceStore {
	return &nonceStore{limit: limit, seen: map[nonceKey]struct{}{}}
}

// use records the nonce of a request signed by id at signedAt, refusing one
// already recorded. A full store refuses rather than forgets: forgetting a
// nonce early would let its request be replayed.
func (n *nonceStore) use(id, nonce string, signedAt, now time.Time) error {
	key := nonceKey(sha256.Sum256(fmt.Appendf(nil, "%d:%s%s", len(id), id, nonce)))
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.expiring) > 0 && n.expiring[0].forgetAt.Before(now) {
		delete(n.seen, heap.Pop(&n.expiring).(nonceEntry).key)
	}
	if _, used := n.seen[key]; used {
		return newError(http.StatusBadRequest, "SignatureNonceUsed", "The signature nonce was used already; every request needs a new one.")
	}
	if len(n.seen) >= n.limit {
		return newError(http.StatusServiceUnavailable, "ServiceUnavailable",
			"The gateway remembers %d signature nonces, its limit, until their requests are older than %v. Please retry.", n.limit, maxClockSkew)
	}
	// The request's timestamp stays acceptable until maxClockSkew after it.
	forgetAt := signedAt.Add(maxClockSkew)
	n.seen[key] = struct{}{}
	heap.Push(&n.expiring, nonceEntry{key: key, forgetAt: forgetAt})
	return nil
}

type nonceEntry struct {
	key      nonceKey
	forgetAt time.Time
}

// nonceHeap is a container/heap of entries, the first to forget on top.
type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].forgetAt.Before(h[j].forgetAt) }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]
	return last
}
