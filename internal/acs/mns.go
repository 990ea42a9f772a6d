package acs

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// This file is MNS's request signature, version 2 (reference mns-api.md
// §1.3), which the gateway's MNS face verifies, package mnsclient signs
// with, and topic notifications are signed over (with RSA instead of HMAC).

// MNSStringToSign is VERB, Content-MD5, Content-Type and the date, one per
// line and as they are in header, then the canonical x-mns-* headers and
// the resource: the request target as sent (path and raw query), neither
// decoded nor re-encoded. The date is Date, or x-mns-date for a client that
// cannot set Date; when both are there Date wins.
func MNSStringToSign(method, resource string, header http.Header) string {
	var b strings.Builder
	for _, line := range []string{method, header.Get("Content-MD5"), header.Get("Content-Type"), MNSDate(header)} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString(mnsHeaders(header))
	b.WriteString(resource)
	return b.String()
}

// MNSDate is the date a request is signed with: Date, else x-mns-date.
func MNSDate(header http.Header) string {
	if date := header.Get("Date"); date != "" {
		return date
	}
	return header.Get("x-mns-date")
}

// mnsHeaders is every x-mns-* header, lowercased and sorted by name, as
// "name:value\n" with the value trimmed.
func mnsHeaders(header http.Header) string {
	var lines []string
	for name, values := range header {
		name = strings.ToLower(name)
		if strings.HasPrefix(name, "x-mns-") {
			lines = append(lines, name+":"+strings.TrimSpace(strings.Join(values, ","))+"\n")
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// MNSSignature is base64(HMAC-SHA1(secret, stringToSign)).
func MNSSignature(secret, stringToSign string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
