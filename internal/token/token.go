// Package token turns Temporal activity task tokens into the signed tokens
// fnflow hands out, such as the callback tokens of $context.task.token, and
// back.
//
// A token is a purpose's prefix, then the Temporal task token followed by an
// HMAC-SHA256 over it, base64url-encoded without padding, so it is safe in
// URLs, JSON and message bodies. Temporal's own token is neither signed nor
// encrypted: anyone who can reach the frontend with it could complete the
// activity. The HMAC lets the gateway refuse forged, truncated or foreign
// tokens before it calls Temporal at all. Each purpose signs with its own
// key, so a token handed out for one purpose (a receipt handle) can never be
// used for another (completing a callback task).
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Purpose is what a token is for. A token signed for one purpose never opens
// for another.
type Purpose int

const (
	// Callback tokens are $context.task.token: a worker reports a task's
	// outcome with one.
	Callback Purpose = iota
	// ReceiptHandle tokens name one receive of a queue message.
	ReceiptHandle
)

// purposes gives each purpose the prefix of its tokens, which carries a
// version so that a format can change later without misreading old tokens,
// and the label its key is derived with. Callback tokens keep the format they
// had before purposes existed, signed with the deployment's key itself:
// executions wait with such tokens. Frozen: changing a prefix or a label
// breaks every token handed out.
var purposes = [...]struct{ prefix, label string }{
	Callback:      {prefix: "t1."},
	ReceiptHandle: {prefix: "r1.", label: "fnflow receipt handle"},
}

// KeySize is the length of a signing key in bytes.
const KeySize = 32

var (
	// ErrMalformed means the string is not a token of this format and purpose.
	ErrMalformed = errors.New("malformed task token")
	// ErrBadSignature means the token was not signed for this purpose with
	// this deployment's key.
	ErrBadSignature = errors.New("task token signature does not match")
)

// Signer signs and verifies tokens with one key. Every worker and gateway of
// a deployment must use the same key.
type Signer struct {
	// keys holds the key of each purpose.
	keys [len(purposes)][]byte
}

// NewSigner returns a Signer for key, which must be KeySize bytes or longer.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < KeySize {
		return nil, fmt.Errorf("token signing key has %d bytes, need at least %d", len(key), KeySize)
	}
	s := &Signer{}
	for p, purpose := range purposes {
		if purpose.label == "" {
			s.keys[p] = append([]byte(nil), key...)
		} else {
			s.keys[p] = hmacSum(key, []byte(purpose.label))
		}
	}
	return s, nil
}

// SignFor returns the token of a purpose for a Temporal task token.
func (s *Signer) SignFor(p Purpose, taskToken []byte) string {
	buf := make([]byte, 0, len(taskToken)+sha256.Size)
	buf = append(buf, taskToken...)
	buf = append(buf, hmacSum(s.keys[p], taskToken)...)
	return purposes[p].prefix + base64.RawURLEncoding.EncodeToString(buf)
}

// OpenFor checks a token of a purpose and returns the Temporal task token
// inside it.
func (s *Signer) OpenFor(p Purpose, text string) ([]byte, error) {
	encoded, ok := strings.CutPrefix(text, purposes[p].prefix)
	if !ok {
		return nil, ErrMalformed
	}
	// Decoding ignores the unused bits of the last character and line breaks,
	// so several strings decode to one token; only the one SignFor gives is
	// accepted, so that a token has one spelling (Redact names a token by a
	// hash of its text).
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != encoded || len(raw) <= sha256.Size {
		return nil, ErrMalformed
	}
	taskToken, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(sum, hmacSum(s.keys[p], taskToken)) {
		return nil, ErrBadSignature
	}
	return taskToken, nil
}

// Sign returns the callback token for a Temporal task token: SignFor with
// Callback. It and Open are the shorthand of the tests that play a callback
// worker or stand in for the activities; fnflow itself names the purpose.
func (s *Signer) Sign(taskToken []byte) string { return s.SignFor(Callback, taskToken) }

// Open checks a callback token: OpenFor with Callback.
func (s *Signer) Open(callbackToken string) ([]byte, error) {
	return s.OpenFor(Callback, callbackToken)
}

func hmacSum(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

// Redact names a token in logs without revealing it: tokens are bearer
// secrets. Tokens of one namespace share their first characters, so the name
// is a short fingerprint of the whole token instead of a prefix.
func Redact(callbackToken string) string {
	sum := sha256.Sum256([]byte(callbackToken))
	return "token#" + hex.EncodeToString(sum[:4])
}

// ParseKey decodes a key given in configuration: hex, or base64 (standard
// or URL alphabet). Hex is tried first because a hex string is also valid
// base64.
func ParseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if key, err := hex.DecodeString(text); err == nil && len(key) >= KeySize {
		return key, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(text); err == nil && len(key) >= KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("token key must be at least %d bytes, hex or base64 encoded", KeySize)
}

// LoadOrCreateKeyFile reads the key kept in path, creating it with a fresh
// random key the first time. Local mode keeps its key in the data directory so
// that tokens handed out before a restart still work after it.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(text))
		if err != nil {
			return nil, fmt.Errorf("reading token key %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading token key: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating token key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating directory for token key: %w", err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing token key: %w", err)
	}
	return key, nil
}
