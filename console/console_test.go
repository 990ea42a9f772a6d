package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/internal/acs"
)

// These requests are refused, or answered, before the console reads
// anything: a Handler with no Temporal behind it serves them. Pages and
// reports are tested against Temporal in package gateway.

func serve(h *Handler, method, path string, header map[string]string, basic ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(""))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAuthentication(t *testing.T) {
	h := New(Config{AccessKeys: acs.NewKeys(map[string]string{"id1": "secret1", "id2": "secret2"})})
	for _, c := range []struct {
		name  string
		basic []string
		want  int
	}{
		{"no credentials", nil, http.StatusUnauthorized},
		{"a wrong secret", []string{"id1", "secret2"}, http.StatusUnauthorized},
		{"an unknown ID", []string{"id3", "secret1"}, http.StatusUnauthorized},
		{"a secret's prefix", []string{"id1", "secret"}, http.StatusUnauthorized},
		{"the first key", []string{"id1", "secret1"}, http.StatusOK},
		{"the second key", []string{"id2", "secret2"}, http.StatusOK},
	} {
		rec := serve(h, "GET", "/console/console.css", nil, c.basic...)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if c.want == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q, want a Basic challenge", c.name, rec.Header().Get("WWW-Authenticate"))
		}
	}
	// A gateway without access keys asks for none, as its API does.
	if rec := serve(New(Config{}), "GET", "/console/console.css", nil); rec.Code != http.StatusOK {
		t.Errorf("no access keys: %d, want 200", rec.Code)
	}
}

func TestCrossSiteReportsRefused(t *testing.T) {
	h := New(Config{AccessKeys: acs.NewKeys(map[string]string{"id1": "secret1"})})
	// A task that cannot be named is refused by the handler itself, before
	// anything is read: a request that gets that far passed the guard.
	const path = "/console/flows/f/executions/e/tasks/x/approve"
	for _, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"from another site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"from a sibling site", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"with another Origin", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"from the console", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusNotFound},
		{"with the console's Origin", map[string]string{"Origin": "http://example.com"}, http.StatusNotFound},
	} {
		if rec := serve(h, "POST", path, c.header, "id1", "secret1"); rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
	}
	// Credentials are checked first: a cross-site request without them
	// learns nothing.
	if rec := serve(h, "POST", path, map[string]string{"Sec-Fetch-Site": "cross-site"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("cross-site without credentials: %d, want 401", rec.Code)
	}
}
