package token

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// callbackPrefix is the prefix of callback tokens, written out: it is frozen.
const callbackPrefix = "t1."

func newTestSigner(t *testing.T, seed byte) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{seed}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignOpenRoundTrip(t *testing.T) {
	s := newTestSigner(t, 1)
	taskToken := []byte("\x0a\x24some temporal task token \xff\x00 bytes")
	tok := s.Sign(taskToken)
	if strings.ContainsAny(tok, "+/= ") {
		t.Errorf("token %q is not URL-safe", tok)
	}
	got, err := s.Open(tok)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, taskToken) {
		t.Errorf("got %q, want %q", got, taskToken)
	}
}

func TestOpenRefusesForgedTokens(t *testing.T) {
	s := newTestSigner(t, 1)
	tok := s.Sign([]byte("temporal-task-token"))
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, callbackPrefix))
	flipped := append([]byte(nil), raw...)
	flipped[0] ^= 1
	cases := map[string]struct {
		token string
		want  error
	}{
		"other deployment's key": {newTestSigner(t, 2).Sign([]byte("temporal-task-token")), ErrBadSignature},
		"modified task token":    {callbackPrefix + base64.RawURLEncoding.EncodeToString(flipped), ErrBadSignature},
		"truncated":              {tok[:len(tok)-4], ErrBadSignature},
		"only a signature":       {callbackPrefix + base64.RawURLEncoding.EncodeToString(raw[len(raw)-32:]), ErrMalformed},
		"no prefix":              {strings.TrimPrefix(tok, callbackPrefix), ErrMalformed},
		"not base64":             {callbackPrefix + "!!!", ErrMalformed},
		"empty":                  {"", ErrMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Open(c.token); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestNewSignerRefusesShortKeys(t *testing.T) {
	if _, err := NewSigner(make([]byte, KeySize-1)); err == nil {
		t.Error("a 31-byte key must be refused")
	}
}

func TestParseKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, KeySize)
	for _, text := range []string{
		base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		hex.EncodeToString(key) + "\n",
	} {
		got, err := ParseKey(text)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%q) = %x, %v", text, got, err)
		}
	}
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Error("a short key must be refused")
	}
}

func TestLoadOrCreateKeyFileKeepsTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "token.key")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) || len(first) != KeySize {
		t.Errorf("the key must survive a restart: %x vs %x", first, second)
	}
}

func TestRedactTellsTokensApartWithoutRevealingThem(t *testing.T) {
	s := newTestSigner(t, 1)
	a := s.Sign(bytes.Repeat([]byte("x"), 100))
	b := s.Sign(append(bytes.Repeat([]byte("x"), 99), 'y'))
	if Redact(a) == Redact(b) {
		t.Errorf("two tokens with a common prefix must redact differently: %s", Redact(a))
	}
	if Redact(a) != Redact(a) || strings.Contains(a, strings.TrimPrefix(Redact(a), "token#")) {
		t.Errorf("Redact(%q) = %q", a, Redact(a))
	}
}

// TestOpenRefusesOtherSpellings: base64 decoding ignores the unused low bits
// of the last character and line breaks, so other strings decode to a valid
// token's bytes; only the token as signed is accepted.
func TestOpenRefusesOtherSpellings(t *testing.T) {
	s := newTestSigner(t, 1)
	// 20 + 32 bytes encode to 70 characters, the last carrying 4 unused bits.
	tok := s.Sign([]byte("temporal-task-token!"))
	if _, err := s.Open(tok); err != nil {
		t.Fatalf("the token as signed: %v", err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	altered := tok[:len(tok)-1] + string(alphabet[last^1])
	want, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, callbackPrefix))
	if got, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(altered, callbackPrefix)); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the altered token must decode to the same bytes for this test to mean anything: %v", err)
	}
	for name, spelling := range map[string]string{
		"unused bits changed": altered,
		"line break inside":   tok[:10] + "\n" + tok[10:],
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Open(spelling); !errors.Is(err, ErrMalformed) {
				t.Errorf("Open(%q) = %v, want %v", spelling, err, ErrMalformed)
			}
		})
	}
}

// TestPurposesDoNotMix: a token handed out for one purpose is refused for
// another, even with its prefix rewritten, because each purpose signs with
// its own key.
func TestPurposesDoNotMix(t *testing.T) {
	s := newTestSigner(t, 1)
	taskToken := []byte("temporal-task-token")
	handle := s.SignFor(ReceiptHandle, taskToken)
	callback := s.SignFor(Callback, taskToken)
	if got, err := s.OpenFor(ReceiptHandle, handle); err != nil || !bytes.Equal(got, taskToken) {
		t.Fatalf("a receipt handle opens as one: %q, %v", got, err)
	}
	cases := map[string]struct {
		purpose Purpose
		token   string
		want    error
	}{
		"receipt handle as callback token":    {Callback, handle, ErrMalformed},
		"callback token as receipt handle":    {ReceiptHandle, callback, ErrMalformed},
		"receipt handle with callback prefix": {Callback, callbackPrefix + strings.TrimPrefix(handle, purposes[ReceiptHandle].prefix), ErrBadSignature},
		"callback token with receipt prefix":  {ReceiptHandle, purposes[ReceiptHandle].prefix + strings.TrimPrefix(callback, callbackPrefix), ErrBadSignature},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.OpenFor(c.purpose, c.token); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestCallbackTokensKeepTheirFormat: executions wait with callback tokens
// minted before tokens had purposes, "t1." and an HMAC with the key itself
// over the task token; they must keep opening, and new ones are the same.
func TestCallbackTokensKeepTheirFormat(t *testing.T) {
	key := bytes.Repeat([]byte{1}, KeySize)
	taskToken := []byte("\x0a\x24a temporal task token")
	mac := hmac.New(sha256.New, key)
	mac.Write(taskToken)
	old := callbackPrefix + base64.RawURLEncoding.EncodeToString(append(append([]byte(nil), taskToken...), mac.Sum(nil)...))
	s := newTestSigner(t, 1)
	if got, err := s.OpenFor(Callback, old); err != nil || !bytes.Equal(got, taskToken) {
		t.Errorf("an old callback token must open: %q, %v", got, err)
	}
	if got := s.SignFor(Callback, taskToken); got != old {
		t.Errorf("callback tokens changed format: %s, was %s", got, old)
	}
}
