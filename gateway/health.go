package gateway

import (
	"context"
	"net/http"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// The probe paths, served on the API's listener without a signature: load
// balancers and Kubernetes probe the port they send traffic to, cannot sign,
// and learn nothing from the answers but up or down.
const (
	LivenessPath  = "/healthz"
	ReadinessPath = "/readyz"
)

// readyTimeout bounds readiness's call to Temporal, under the one second
// Kubernetes gives a probe by default, so that an unreachable Temporal reads
// as not ready rather than as a probe that timed out.
const readyTimeout = 800 * time.Millisecond

// probe answers the probe paths; false when path is not one.
func (s *Server) probe(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case LivenessPath:
		// Serving this is all that liveness asks: the process answers HTTP.
		writeProbe(w, r, http.StatusOK, "ok")
	case ReadinessPath:
		if err := s.checkTemporal(r.Context()); err != nil {
			if s.ready.CompareAndSwap(true, false) {
				s.log.Warn("not ready: Temporal does not answer", "error", err)
			}
			// The cause is in the log only: the probe may come from anyone
			// who reaches the port.
			writeProbe(w, r, http.StatusServiceUnavailable, "Temporal is not reachable")
			return true
		}
		if s.ready.CompareAndSwap(false, true) {
			s.log.Info("ready: Temporal answers")
		}
		writeProbe(w, r, http.StatusOK, "ok")
	default:
		return false
	}
	return true
}

// checkTemporal asks Temporal about the gateway's namespace: it answers only
// when the frontend is up, the credentials are good and the namespace
// exists.
func (s *Server) checkTemporal(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	_, err := s.cfg.Temporal.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.cfg.Namespace})
	return err
}

func writeProbe(w http.ResponseWriter, r *http.Request, status int, text string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		status, text = http.StatusMethodNotAllowed, "GET or HEAD"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(text + "\n"))
	}
}
