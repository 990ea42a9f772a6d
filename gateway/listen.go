package gateway

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Limits bound what one connection can take from the gateway, so that slow or
// idle clients cannot hold it (or the Temporal server sharing its process in
// `fnflow dev`) for long. The request body's size is capped by the gateway
// itself (maxPayload).
type Limits struct {
	// ReadHeader is the time a client has to send the request line and
	// headers.
	ReadHeader time.Duration
	// Read is the time a client has to send the whole request, body
	// included, counted from its first byte.
	Read time.Duration
	// Write is the time from the end of the request headers to the end of
	// the reply. It must exceed Read plus the longest legitimate wait, the 60 s
	// of DescribeExecution's WaitTimeSeconds.
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next
	// request.
	Idle time.Duration
	// MaxHeaderBytes caps the request line and headers.
	MaxHeaderBytes int
}

// DefaultLimits are the limits of `fnflow dev` and `fnflow gateway`
// (docs/configuration.md).
var DefaultLimits = Limits{
	ReadHeader: 10 * time.Second,
	// 1 MiB, the largest body, at 50 KiB/s.
	Read:  20 * time.Second,
	Write: 90 * time.Second,
	// Longer than the 60 s idle timeout of common load balancers and
	// proxies, so that they close an idle connection first and never send a
	// request on one the gateway has just closed.
	Idle: 2 * time.Minute,
	// Parameters are small in the query; payloads travel in the body.
	MaxHeaderBytes: 64 << 10,
}

// NewHTTPServer returns the HTTP server that serves handler with limits.
func NewHTTPServer(handler http.Handler, limits Limits) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: limits.ReadHeader,
		ReadTimeout:       limits.Read,
		WriteTimeout:      limits.Write,
		IdleTimeout:       limits.Idle,
		MaxHeaderBytes:    limits.MaxHeaderBytes,
	}
}

// OnLoopback reports whether addr, a host:port as net.Listen takes it, listens
// on the loopback interface only. A host name other than localhost counts as
// reachable from elsewhere: it is not resolved, since it may resolve to
// anything.
func OnLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("reading listen address: %w", err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
