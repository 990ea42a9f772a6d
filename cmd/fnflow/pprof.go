package main

import (
	"flag"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
)

// profilingFlags say where a command serves Go's profiles (net/http/pprof):
// CPU, heap, goroutines, and the block and mutex profiles, which are
// recorded only while the flag is set because recording them costs every
// contended lock and channel a little.
type profilingFlags struct {
	addr string
}

// profileSampling is one sample per this many nanoseconds blocked (block
// profile) and one in this many contended locks (mutex profile): enough to
// see where a loaded process waits, little enough to leave its speed alone.
const (
	blockProfileRate     = 100_000
	mutexProfileFraction = 100
)

func (p *profilingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.addr, "pprof", "", "address to serve Go's profiles on, at /debug/pprof/ (CPU, heap, goroutines, block, mutex), without authentication: keep it on loopback; none when empty")
}

// profilingServer is a command's profiling listener.
type profilingServer struct {
	srv  *http.Server
	url  string
	done chan error
}

// serve starts the profiling listener; nil when --pprof is not set. The
// embedded Temporal server of `fnflow dev` runs in the same process, so its
// work shows in the same profiles.
func (p *profilingFlags) serve(logger *slog.Logger) (*profilingServer, error) {
	if p.addr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv, url, done, err := serveHTTP("profiling", p.addr, mux, logger)
	if err != nil {
		return nil, err
	}
	runtime.SetBlockProfileRate(blockProfileRate)
	runtime.SetMutexProfileFraction(mutexProfileFraction)
	logger.Info("profiles listening", "url", url+"/debug/pprof/")
	return &profilingServer{srv: srv, url: url, done: done}, nil
}

// stop closes the listener and stops recording block and mutex samples.
func (s *profilingServer) stop() {
	if s == nil {
		return
	}
	s.srv.Close()
	<-s.done
	runtime.SetBlockProfileRate(0)
	runtime.SetMutexProfileFraction(0)
}
