// Package pagetoken writes a store's page token as the text a client hands
// back for the next page: the API's NextToken and the console's next-page
// links. The text is the token behind a short checksum, URL-safe base64.
//
// Temporal's visibility store answers a mangled page token with an internal
// error, which the SDK retries until the request gives up; the checksum
// turns a token that was cut or mistyped into ErrInvalid at once, a 4xx for
// whoever sent it.
package pagetoken

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// ErrInvalid is Decode's answer for text that Encode did not write.
var ErrInvalid = errors.New("the page token is not valid")

// checksumLen is how many bytes of the token's SHA-256 go before it.
const checksumLen = 4

// Encode is the text of page, "" for no page (the last page has no next).
func Encode(page []byte) string {
	if len(page) == 0 {
		return ""
	}
	sum := sha256.Sum256(page)
	return base64.RawURLEncoding.EncodeToString(append(sum[:checksumLen:checksumLen], page...))
}

// Decode is the page token Encode wrote as text; nil for "", the first page.
func Decode(text string) ([]byte, error) {
	if text == "" {
		return nil, nil
	}
	// Decoding ignores the unused bits of the last character and line
	// breaks; only the canonical text is accepted, so that a token has one
	// spelling.
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != text || len(raw) <= checksumLen {
		return nil, ErrInvalid
	}
	page := raw[checksumLen:]
	if sum := sha256.Sum256(page); !bytes.Equal(sum[:checksumLen], raw[:checksumLen]) {
		return nil, ErrInvalid
	}
	return page, nil
}
