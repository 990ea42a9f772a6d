package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// --pprof serves the profiles `go tool pprof` reads, the block and mutex
// profiles among them, and a command without it serves none.
func TestProfilingListener(t *testing.T) {
	var off profilingFlags
	if srv, err := off.serve(slog.New(slog.DiscardHandler)); srv != nil || err != nil {
		t.Fatalf("without --pprof nothing is served, got %v, %v", srv, err)
	}

	on := profilingFlags{addr: "127.0.0.1:0"}
	srv, err := on.serve(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	if got := runtime.SetMutexProfileFraction(-1); got != mutexProfileFraction {
		t.Errorf("with --pprof one contended lock in %d is sampled, got %d", mutexProfileFraction, got)
	}
	for _, profile := range []string{"profile?seconds=1", "heap", "goroutine", "block", "mutex"} {
		body := httpGet(t, srv.url+"/debug/pprof/"+profile)
		// Profiles in their binary form are gzipped protocol buffers.
		if _, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
			t.Errorf("%s is not a profile pprof reads: %v", profile, err)
		}
	}
	if index := httpGet(t, srv.url+"/debug/pprof/"); !strings.Contains(string(index), "mutex") {
		t.Errorf("the index lists no mutex profile:\n%s", index)
	}
}

// The profiling flag is the same on every command that runs fnflow's work.
func TestProfilingFlagOnServingCommands(t *testing.T) {
	for name, command := range map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"dev": runDev, "worker": runWorker, "gateway": runGateway,
	} {
		var stderr bytes.Buffer
		if status := command(context.Background(), []string{"-h"}, io.Discard, &stderr); status != 0 || !strings.Contains(stderr.String(), "-pprof string") {
			t.Errorf("fnflow %s -h: want -pprof listed, got %d:\n%s", name, status, stderr.String())
		}
	}
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, body)
	}
	return body
}
