package main

import (
	"flag"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
	"sync"
)

// profilingFlags say where a command serves Go's profiles (net/http/pprof):
// CPU, heap, goroutines, and the block and mutex profiles.
type profilingFlags struct {
	addr string
}

// Block and mutex events are recorded only while a block or mutex profile
// is being taken: recording costs a stack trace per sampled event, and on a
// loaded `fnflow dev`, whose server parks thousands of goroutines, keeping it
// on slowed callbacks several-fold. A profile of them therefore always
// covers a window, ?seconds=N, 30 by default.
const (
	// blockProfileRate samples one blocking event per 100 µs spent blocked.
	blockProfileRate = 100_000
	// mutexProfileFraction samples one contended lock in 100.
	mutexProfileFraction = 100
	defaultWindow        = "30"
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
	var blocks, mutexes recording
	mux.Handle("GET /debug/pprof/block", blocks.window("block", func(on bool) {
		rate := 0
		if on {
			rate = blockProfileRate
		}
		runtime.SetBlockProfileRate(rate)
	}))
	mux.Handle("GET /debug/pprof/mutex", mutexes.window("mutex", func(on bool) {
		fraction := 0
		if on {
			fraction = mutexProfileFraction
		}
		runtime.SetMutexProfileFraction(fraction)
	}))
	srv, url, done, err := serveHTTP("profiling", p.addr, mux, logger)
	if err != nil {
		return nil, err
	}
	logger.Info("profiles listening", "url", url+"/debug/pprof/")
	return &profilingServer{srv: srv, url: url, done: done}, nil
}

// recording switches the recording of one kind of event on while at least
// one profile of it is being taken.
type recording struct {
	mu     sync.Mutex
	takers int
}

// window serves the named profile over a window of ?seconds (the delta
// net/http/pprof computes), recording the events only during it.
func (rec *recording) window(name string, record func(on bool)) http.Handler {
	profile := pprof.Handler(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("seconds") == "" {
			query := r.URL.Query()
			query.Set("seconds", defaultWindow)
			r.URL.RawQuery = query.Encode()
		}
		rec.mu.Lock()
		if rec.takers++; rec.takers == 1 {
			record(true)
		}
		rec.mu.Unlock()
		defer func() {
			rec.mu.Lock()
			if rec.takers--; rec.takers == 0 {
				record(false)
			}
			rec.mu.Unlock()
		}()
		profile.ServeHTTP(w, r)
	})
}

// stop closes the listener.
func (s *profilingServer) stop() {
	if s == nil {
		return
	}
	s.srv.Close()
	<-s.done
}
