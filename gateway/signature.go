package gateway

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxClockSkew is how far a signed request's timestamp may be from the
// gateway's clock. The gateway keeps no nonces (it is stateless), so the
// timestamp is what limits replaying a captured request.
const maxClockSkew = 15 * time.Minute

const v3Algorithm = "ACS3-HMAC-SHA256"

// checkSignature verifies the caller when access keys are configured, the
// way Alibaba's SDKs sign (reference fnf-api.md §3): ACS3-HMAC-SHA256 when
// the Authorization header says so, RPC v1 (HMAC-SHA1) otherwise.
func (s *Server) checkSignature(r *request) error {
	if len(s.cfg.AccessKeys) == 0 {
		return nil
	}
	if auth := r.header.Get("Authorization"); strings.HasPrefix(auth, v3Algorithm+" ") {
		return s.checkV3Signature(r, strings.TrimPrefix(auth, v3Algorithm+" "))
	}
	if r.jsonParams != nil {
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
	id := r.query.Get("AccessKeyId")
	signature := r.query.Get("Signature")
	if id == "" || signature == "" {
		return newError(http.StatusForbidden, "AccessDenied", "The request must be signed: this gateway checks Alibaba Cloud signatures.")
	}
	secret, ok := s.cfg.AccessKeys[id]
	if !ok {
		return errAccessKey(id)
	}
	if m, v := r.param("SignatureMethod"), r.param("SignatureVersion"); m != "HMAC-SHA1" || v != "1.0" {
		return errSignature("SignatureMethod %q version %q is not supported; use HMAC-SHA1 1.0.", m, v)
	}
	if err := s.checkTimestamp(r.param("Timestamp")); err != nil {
		return err
	}
	want := rpcSignature(secret, rpcStringToSign(r.method, r.query, r.form))
	if !hmac.Equal([]byte(signature), []byte(want)) {
		return errSignature("The request signature does not match.")
	}
	return nil
}

// rpcStringToSign builds RPC v1's string to sign from every query parameter
// but Signature and every form parameter (the body wins a clash), empty ones
// included.
func rpcStringToSign(method string, query, form url.Values) string {
	params := map[string]string{}
	for name, values := range query {
		if name != "Signature" && len(values) > 0 {
			params[name] = values[0]
		}
	}
	for name, values := range form {
		if len(values) > 0 {
			params[name] = values[0]
		}
	}
	pairs := make([]string, 0, len(params))
	for name, value := range params {
		pairs = append(pairs, percentEncode(name)+"="+percentEncode(value))
	}
	slices.Sort(pairs)
	return method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
}

// rpcSignature is base64(HMAC-SHA1(secret + "&", stringToSign)).
func rpcSignature(secret, stringToSign string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 3986 encoding as the SDKs do it: everything but
// A-Z a-z 0-9 - _ . ~ as upper-case %XX of the UTF-8 bytes.
func percentEncode(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

func (s *Server) checkTimestamp(text string) error {
	if text == "" {
		return errSignature("The signed request has no timestamp.")
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return errSignature("The timestamp %q is not an ISO 8601 UTC time.", text)
	}
	if skew := s.now().Sub(t); skew > maxClockSkew || skew < -maxClockSkew {
		return newError(http.StatusForbidden, "RequestTimeTooSkewed", "The request time %s is more than %v away from the server's.", text, maxClockSkew)
	}
	return nil
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
	secret, ok := s.cfg.AccessKeys[id]
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
	if err := s.checkTimestamp(r.header.Get("x-acs-date")); err != nil {
		return err
	}
	want := v3Signature(secret, v3CanonicalRequest(r, signed))
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(want)) {
		return errSignature("The request signature does not match.")
	}
	return nil
}

// v3CanonicalRequest is the canonical request of reference fnf-api.md §3.2.
func v3CanonicalRequest(r *request, signedHeaders []string) string {
	var query []string
	for name, values := range r.query {
		for _, value := range values {
			query = append(query, percentEncode(name)+"="+percentEncode(value))
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
