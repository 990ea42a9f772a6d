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
	"time"
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
	for _, profile := range []string{"profile?seconds=1", "heap", "goroutine", "block?seconds=1", "mutex?seconds=1"} {
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

// Contended locks are sampled only while a mutex profile is taken: keeping
// it on costs a loaded process dearly.
func TestMutexSamplingOnlyDuringAProfile(t *testing.T) {
	on := profilingFlags{addr: "127.0.0.1:0"}
	srv, err := on.serve(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	if got := runtime.SetMutexProfileFraction(-1); got != 0 {
		t.Fatalf("before any profile no lock is sampled, got one in %d", got)
	}
	taken := make(chan error)
	go func() {
		resp, err := http.Get(srv.url + "/debug/pprof/mutex?seconds=2")
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		taken <- err
	}()
	sampling := false
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && !sampling; time.Sleep(10 * time.Millisecond) {
		sampling = runtime.SetMutexProfileFraction(-1) == mutexProfileFraction
	}
	if !sampling {
		t.Errorf("while the profile is taken one lock in %d is sampled", mutexProfileFraction)
	}
	if err := <-taken; err != nil {
		t.Fatal(err)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != 0 {
		t.Errorf("after the profile no lock is sampled, got one in %d", got)
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
