package mns

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// maxClockSkew is how far a signed request's date may be from the gateway's
// clock.
const maxClockSkew = 15 * time.Minute

// checkSignature verifies an MNS V2 signature (reference mns-api.md §1.3,
// computed by package acs): "Authorization: MNS AccessKeyId:Signature".
func (h *Handler) checkSignature(r *http.Request) error {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return newError(http.StatusBadRequest, "MissingAuthorizationHeader", "The request must carry an Authorization header: this gateway checks MNS signatures.")
	}
	credential, ok := strings.CutPrefix(auth, "MNS ")
	id, signature, _ := strings.Cut(credential, ":")
	if !ok || id == "" || signature == "" {
		return newError(http.StatusBadRequest, "InvalidAuthorizationHeader", "The Authorization header must be \"MNS AccessKeyId:Signature\" (signature version 2).")
	}
	secret, ok := h.cfg.AccessKeys.Secret(id)
	if !ok {
		return newError(http.StatusForbidden, "InvalidAccessKeyId", "The AccessKeyId %q is not known.", id)
	}
	date := acs.MNSDate(r.Header)
	if date == "" {
		return newError(http.StatusBadRequest, "MissingDateHeader", "The request must carry a Date (or x-mns-date) header.")
	}
	// The resource is the request target as the client sent it, neither
	// decoded nor re-encoded: Node and Python sign receipt handles raw, Go
	// url.QueryEscaped. When Date and x-mns-date are both there, Date is
	// signed and checked, x-mns-date is one more signed header (decision Q8).
	want := acs.MNSSignature(secret, acs.MNSStringToSign(r.Method, r.RequestURI, r.Header))
	if !hmac.Equal([]byte(signature), []byte(want)) {
		return newError(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature does not match.")
	}
	// The date is checked once the signature holds, so that only a caller
	// with the key learns how far its clock is off.
	t, err := http.ParseTime(date)
	if err != nil {
		return newError(http.StatusBadRequest, "InvalidDateHeader", "The date %q is not an HTTP date (RFC 1123, GMT).", date)
	}
	if skew := h.now().Sub(t); skew > maxClockSkew || skew < -maxClockSkew {
		return newError(http.StatusRequestTimeout, "TimeExpired", "The request date %s is more than %v away from the server's clock.", date, maxClockSkew)
	}
	return nil
}

// checkContentMD5 checks a Content-MD5 header against the body. The SDKs
// send base64 of the hex digest; RFC 1864's base64 of the digest itself is
// accepted too.
func checkContentMD5(header http.Header, body []byte) error {
	sent := header.Get("Content-MD5")
	if sent == "" {
		return nil
	}
	sum := md5.Sum(body)
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sent))
	if err == nil && (bytes.EqualFold(decoded, []byte(hex.EncodeToString(sum[:]))) || bytes.Equal(decoded, sum[:])) {
		return nil
	}
	return newError(http.StatusBadRequest, "InvalidDegist", "The Content-MD5 %q does not match the body.", sent)
}
