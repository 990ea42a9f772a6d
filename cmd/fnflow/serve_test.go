package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/gateway"
)

func TestAccessKeysOrLoopback(t *testing.T) {
	keysFile := writeSecret(t, "id1:secret1\nid2:secret2,id3:secret3\n")
	for name, c := range map[string]struct {
		args     []string
		addr     string
		wantKeys map[string]string
		wantWarn bool
	}{
		"loopback without keys":              {addr: "127.0.0.1:8080"},
		"every interface with keys":          {args: []string{"--access-keys", "id:secret"}, addr: "0.0.0.0:8080", wantKeys: map[string]string{"id": "secret"}},
		"every interface with a keys file":   {args: []string{"--access-keys-file", keysFile}, addr: ":8080", wantKeys: map[string]string{"id1": "secret1", "id2": "secret2", "id3": "secret3"}},
		"every interface, opted out of auth": {args: []string{"--insecure-no-auth"}, addr: "0.0.0.0:8080", wantWarn: true},
	} {
		t.Run(name, func(t *testing.T) {
			var access accessFlags
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			access.register(fs)
			if err := parseFlags(fs, c.args); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			keys, err := access.load("addr", c.addr, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("want it served, got %v", err)
			}
			if !maps.Equal(keys, c.wantKeys) {
				t.Errorf("want keys %v, got %v", c.wantKeys, keys)
			}
			warned := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "accepts unsigned requests")
			if warned != c.wantWarn {
				t.Errorf("want a warning %v, got logs %q", c.wantWarn, logs.String())
			}
		})
	}
}

func TestParseAccessKeysDoesNotShowABadKey(t *testing.T) {
	_, err := parseAccessKeys("id:secret,the-secret-itself")
	if err == nil || !strings.Contains(err.Error(), "key 2 is not ID:SECRET") || strings.Contains(err.Error(), "the-secret-itself") {
		t.Errorf("want an error naming the key's position only, got %v", err)
	}
}

func TestServeHTTPSetsLimits(t *testing.T) {
	srv, _, done, err := serveHTTP("gateway", "127.0.0.1:0", nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); <-done }()
	limits := gateway.DefaultLimits
	if srv.ReadTimeout != limits.Read || srv.WriteTimeout != limits.Write || srv.IdleTimeout != limits.Idle || srv.MaxHeaderBytes != limits.MaxHeaderBytes {
		t.Errorf("the commands must serve the gateway with its default limits %+v, got read %v, write %v, idle %v, headers %d",
			limits, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}

// A stop does not wait out a long poll: the request is cut short after the
// grace and the stop succeeds.
func TestStopCutsLongWaitsShort(t *testing.T) {
	waiting := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(waiting)
		<-r.Context().Done()
	})
	srv, url, done, err := serveHTTP("gateway", "127.0.0.1:0", handler, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get(url + "/")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	<-waiting
	if err := stopHTTP(srv, 100*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Errorf("a stop that cut a long wait short must succeed, got %v", err)
	}
	<-done
	if err := <-answered; err == nil {
		t.Error("the cut-short request must end without an answer, so that its caller asks again")
	}
}
