// Package acs is Alibaba Cloud's request signatures as the official SDKs
// compute them: RPC v1 (HMAC-SHA1, reference fnf-api.md §3.1), which the
// gateway verifies and fnfclient signs with, and MNS's version 2 (mns.go).
// One implementation of each, so the signer and the verifier cannot drift
// apart; and the access keys both faces of a gateway check with (keys.go).
package acs

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// StringToSign builds RPC v1's string to sign from every parameter but
// Signature, empty ones included.
func StringToSign(method string, params map[string]string) string {
	pairs := make([]string, 0, len(params))
	for name, value := range params {
		if name != "Signature" {
			pairs = append(pairs, PercentEncode(name)+"="+PercentEncode(value))
		}
	}
	slices.Sort(pairs)
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// Signature is base64(HMAC-SHA1(secret + "&", stringToSign)).
func Signature(secret, stringToSign string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// PercentEncode is RFC 3986 encoding as the SDKs do it: everything but
// A-Z a-z 0-9 - _ . ~ as upper-case %XX of the UTF-8 bytes.
func PercentEncode(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}
