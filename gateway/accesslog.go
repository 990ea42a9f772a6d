package gateway

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/fnflow/fnflow/gateway/mns"
)

// requestInfo is what the fnf face learns about a request while answering
// it, for the log line and the metrics written once it is answered: the
// Echo context that holds the rest is recycled by then.
type requestInfo struct {
	// action is the fnf action as requested, "" before it is read.
	action string
	// code and err say why the request failed.
	code string
	err  error
}

type requestInfoKey struct{}

// infoOf returns the request's info; a request that did not come through
// answer gets one that is written and dropped.
func infoOf(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// unknownAction labels a request for no action of the table or route of
// the MNS face, so that made-up names cannot multiply the series.
const unknownAction = "unknown"

// faceKind says which face answers a request, for its action label.
type faceKind int

const (
	fnfFace faceKind = iota
	mnsFace
	// consoleFace's pages are all labelled "console".
	consoleFace
)

// answer serves r on face, of kind, then writes one log line and the
// metrics for it. The line holds what an
// operator needs to follow a request and nothing a caller keeps secret: no
// query (an RPC request's signature, a report's token sent as a GET), no
// header, no body.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, face http.Handler, kind faceKind) {
	start := time.Now()
	defer s.cfg.Metrics.begin()()
	info := &requestInfo{}
	rec := &statusRecorder{ResponseWriter: w}
	face.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
	took := time.Since(start)

	status := cmp.Or(rec.status, http.StatusOK)
	action := unknownAction
	switch _, inTable := actions[info.action]; {
	case kind == consoleFace:
		action = "console"
	case kind == mnsFace:
		if route := mns.Route(r.Method, r.URL.Path); route != "" {
			action = "MNS " + route
		}
	case inTable:
		action = info.action
	}
	code := info.code
	if code == "" && status < http.StatusBadRequest {
		code = "OK"
	}
	s.cfg.Metrics.observe(action, status, code, took)

	level := slog.LevelInfo
	if status >= http.StatusInternalServerError && r.Context().Err() == nil {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("requestId", cmp.Or(rec.Header().Get("x-acs-request-id"), rec.Header().Get("x-mns-request-id"))),
		slog.String("action", action),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Float64("latencyMs", float64(took.Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if info.code != "" {
		attrs = append(attrs, slog.String("code", info.code))
	}
	if info.err != nil {
		attrs = append(attrs, slog.Any("error", info.err))
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// statusRecorder remembers the status a face answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (Echo's Flush) reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
