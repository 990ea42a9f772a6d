package fnfclient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/acs"
)

// The gateway itself judges the client's signatures: an action the API does
// not have is refused only after the signature checked out, so no Temporal
// is needed.
func TestSignedCallsPassTheGatewaysCheck(t *testing.T) {
	handler := gateway.New(gateway.Config{
		AccessKeys: acs.NewKeys(map[string]string{"id": "secret"}),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()

	for _, tc := range []struct {
		name, id, secret, wantCode string
		wantStatus                 int
	}{
		{"signed", "id", "secret", "ActionNotSupported", http.StatusBadRequest},
		{"wrong secret", "id", "other", "SignatureNotMatch", http.StatusForbidden},
		{"unsigned", "", "", "AccessDenied", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{Endpoint: srv.URL + "/", AccessKeyID: tc.id, AccessKeySecret: tc.secret}
			// Characters that percent-encoding treats specially, in the body.
			_, err := c.Call(context.Background(), "LaunchRocket", map[string]string{"FlowName": "f", "Input": `{"a b":"*~+/ü"}`})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.wantCode || apiErr.HTTPStatus != tc.wantStatus || apiErr.RequestID == "" {
				t.Fatalf("want %d %s with a RequestId, got %v", tc.wantStatus, tc.wantCode, err)
			}
		})
	}
}

func TestErrorReplyThatIsNotTheAPIs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := (&Client{Endpoint: srv.URL}).DescribeFlow(context.Background(), "f")
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("want a plain error naming the status, got %#v", err)
	}
	if got := err.Error(); got != `DescribeFlow: HTTP 502: "bad gateway\n"` {
		t.Errorf("got %q", got)
	}
}
