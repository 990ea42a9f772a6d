package main

import (
	"flag"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsPath is where the metrics listener serves Prometheus's text format.
const metricsPath = "/metrics"

// metricsFlags say where a command serves its Prometheus metrics. The
// listener is not the gateway's: that one faces the callers, who need not
// see the deployment's traffic, and a worker has none.
type metricsFlags struct {
	addr string
	// waitingEvery is the pause between counts of the waiting callback
	// steps, for the commands that run a worker; 0 counts none.
	waitingEvery time.Duration
}

func (m *metricsFlags) register(fs *flag.FlagSet, runsWorker bool) {
	fs.StringVar(&m.addr, "metrics-addr", "", "address to serve Prometheus metrics on, at "+metricsPath+", without authentication: keep it on a private network; none when empty")
	if runsWorker {
		fs.DurationVar(&m.waitingEvery, "waiting-count-interval", time.Minute, "with --metrics-addr: the pause between counts of the waiting callback steps (fnflow_callback_steps_waiting), each a describe of every running execution; 0 for no count")
	}
}

// metricsServer is a command's metrics listener.
type metricsServer struct {
	registry *prometheus.Registry
	srv      *http.Server
	url      string
	done     chan error
}

// serve starts the metrics listener, with the Go runtime's and the
// process's metrics registered; nil when --metrics-addr is not set.
func (m *metricsFlags) serve(logger *slog.Logger) (*metricsServer, error) {
	if m.addr == "" {
		return nil, nil
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}))
	srv, url, done, err := serveHTTP("metrics", m.addr, mux, logger)
	if err != nil {
		return nil, err
	}
	logger.Info("metrics listening", "url", url+metricsPath)
	return &metricsServer{registry: registry, srv: srv, url: url, done: done}, nil
}

// registerer is where a command registers its metrics; nil without a
// listener.
func (s *metricsServer) registerer() prometheus.Registerer {
	if s == nil {
		return nil
	}
	return s.registry
}

// stop closes the listener: a scrape cut short is taken again.
func (s *metricsServer) stop() {
	if s == nil {
		return
	}
	s.srv.Close()
	<-s.done
}
