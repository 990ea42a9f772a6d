package pagetoken_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/internal/pagetoken"
)

func TestRoundTrip(t *testing.T) {
	page := []byte(`{"StartTime":"2026-01-01T00:00:00Z","RunID":"x"}`)
	token := pagetoken.Encode(page)
	if got, err := pagetoken.Decode(token); err != nil || string(got) != string(page) {
		t.Errorf("round trip: %q, %v", got, err)
	}
	if pagetoken.Encode(nil) != "" {
		t.Error("the last page must have no next token")
	}
	if got, err := pagetoken.Decode(""); got != nil || err != nil {
		t.Errorf(`Decode("") = %q, %v; want the first page`, got, err)
	}
	for _, mangled := range []string{token[:len(token)-2], string(token[0]^1) + token[1:], "bm90IGEgdG9rZW4", "!"} {
		if _, err := pagetoken.Decode(mangled); !errors.Is(err, pagetoken.ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", mangled, err)
		}
	}
}

func TestOneSpelling(t *testing.T) {
	// 4 + 6 bytes encode to 14 characters, the last carrying 4 unused bits.
	token := pagetoken.Encode([]byte("page-2"))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	altered := token[:len(token)-1] + string(alphabet[strings.IndexByte(alphabet, token[len(token)-1])^1])
	want, _ := base64.RawURLEncoding.DecodeString(token)
	if got, err := base64.RawURLEncoding.DecodeString(altered); err != nil || string(got) != string(want) {
		t.Fatalf("the altered token must decode to the same bytes for this test to mean anything: %v", err)
	}
	for _, spelling := range []string{altered, token[:3] + "\r\n" + token[3:]} {
		if _, err := pagetoken.Decode(spelling); !errors.Is(err, pagetoken.ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", spelling, err)
		}
	}
}
