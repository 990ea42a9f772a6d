// Package devserver runs an embedded Temporal server (SQLite) and the Temporal
// Web UI inside the current process, for `fnflow dev` and for tests.
//
// Everything the server keeps (namespaces, workflow histories, pending
// activities and their task tokens, the cluster ID) lives in SQLite files in
// Options.DataDir, the executions in one and the visibility records listings
// read in another, so stopping and starting again on the same directory
// resumes where it left off. The configuration follows the Temporal CLI's dev server,
// tuned for fnflow's callback steps: see config.go.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/temporal"
)

// DefaultRetention is the namespace retention unless Options say otherwise:
// closed executions stay visible in the Web UI for a week, which is what
// `fnflow dev` needs.
const DefaultRetention = 7 * 24 * time.Hour

// Options configures Start. Only DataDir is required.
type Options struct {
	// DataDir holds the SQLite databases (DataDir/temporal.db for the
	// executions, DataDir/visibility.db for their visibility records). It is
	// created if missing.
	DataDir string
	// IP the frontend and the Web UI listen on. Default "127.0.0.1". It must be
	// an IP address, not a host name.
	IP string
	// Port is the frontend gRPC port. 0 picks a free port.
	Port int
	// UIPort is the Web UI port. 0 turns the UI off.
	UIPort int
	// Namespace is created at start if it does not exist. Default "default".
	Namespace string
	// Retention of closed executions in Namespace. Default DefaultRetention. A
	// namespace with a shorter retention (for example one created by an older
	// version) is raised to it at start; a longer one is left alone.
	Retention time.Duration
	// SearchAttributes are custom search attributes, by name and type, that
	// Namespace is to have; those it lacks are added at start.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's own logs, Warn and above only: below that the
	// server is too noisy to be useful. Default: discard.
	Logger *slog.Logger

	// transferPollRPS overrides history.transferProcessorMaxPollRPS; 0 means
	// the tuned value. Only the baseline benchmark sets it.
	transferPollRPS int
	// pickPorts replaces choosePorts; only tests set it, to lose the race
	// for a port on purpose.
	pickPorts func(Options) (ports, error)
}

// Server is a running embedded Temporal server and, optionally, its Web UI.
type Server struct {
	frontendAddr string
	uiAddr       string
	namespace    string

	temporal  temporal.Server
	ui        *uiserver.Server
	uiDone    chan struct{} // closed when the UI's serving goroutine returns
	logLevel  *slog.LevelVar
	serverLog *slog.Logger // the server's logs, filtered at logLevel

	stopOnce sync.Once
	stopErr  error
}

// Start starts the server and, when opts.UIPort is set, the Web UI, and returns
// once both accept requests. ctx bounds the start-up calls made to the fresh
// server; the server itself runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s, err := start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("starting embedded Temporal: %w", err)
	}
	return s, nil
}

// portAttempts bounds how often start picks new ports when one it picked was
// taken by another process before the server could listen on it.
const portAttempts = 3

func start(ctx context.Context, opts Options) (*Server, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	dbs, err := prepareDatabases(opts)
	if err != nil {
		return nil, err
	}
	pickPorts := opts.pickPorts
	if pickPorts == nil {
		pickPorts = choosePorts
	}

	var s *Server
	for attempt := 1; ; attempt++ {
		ports, err := pickPorts(opts)
		if err != nil {
			return nil, err
		}
		s, err = startTemporal(opts, ports, dbs)
		if err == nil {
			break
		}
		var fatal serverFatal
		pickedPort := errors.As(err, &fatal) && fatal.address() != "" &&
			fatal.address() != net.JoinHostPort(opts.IP, strconv.Itoa(opts.Port))
		if !pickedPort || attempt == portAttempts {
			return nil, err
		}
		opts.Logger.Warn("a port picked for the embedded Temporal server was taken before it listened; picking others",
			"address", fatal.address(), "attempt", attempt)
	}

	if err := ensureNamespace(ctx, s.frontendAddr, opts, s.serverLog); err != nil {
		s.stopQuietly()
		return nil, err
	}
	if opts.UIPort != 0 {
		if err := s.startUI(opts); err != nil {
			s.stopQuietly()
			return nil, err
		}
	}
	return s, nil
}

// startTemporal builds and starts the server on ports.
func startTemporal(opts Options, ports ports, dbs databases) (*Server, error) {
	s := &Server{
		frontendAddr: net.JoinHostPort(dialIP(opts.IP), strconv.Itoa(ports.frontend)),
		namespace:    opts.Namespace,
		logLevel:     new(slog.LevelVar),
	}
	s.logLevel.Set(slog.LevelWarn)
	s.serverLog = slog.New(levelFilter{min: s.logLevel, next: opts.Logger.Handler()})
	fatal := new(fatalRecord)

	var err error
	s.temporal, err = temporal.NewServer(serverOptions(opts, ports, dbs, temporalLogger{log: s.serverLog, fatal: fatal})...)
	if err != nil {
		return nil, fmt.Errorf("configuring server: %w", err)
	}
	// The services open their listeners while being built; one that failed
	// is only logged, and starting without it would panic.
	if err := fatal.err(); err != nil {
		s.stopQuietly()
		return nil, fmt.Errorf("configuring server: %w", err)
	}
	if err := s.temporal.Start(); err != nil {
		return nil, err
	}
	if err := fatal.err(); err != nil {
		s.stopQuietly()
		return nil, fmt.Errorf("starting server: %w", err)
	}
	return s, nil
}

func withDefaults(opts Options) (Options, error) {
	if opts.DataDir == "" {
		return opts, errors.New("Options.DataDir is required")
	}
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	// The server binds and advertises this value as is; a host name such as
	// "localhost" would fail deep inside it.
	if net.ParseIP(opts.IP) == nil {
		return opts, fmt.Errorf("Options.IP %q is not an IP address", opts.IP)
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts, nil
}

// dialIP is the address clients use to reach a listener bound to ip: a
// wildcard address is not something to dial.
func dialIP(ip string) string {
	if net.ParseIP(ip).IsUnspecified() {
		return "127.0.0.1"
	}
	return ip
}

// FrontendAddress is the host:port of the frontend gRPC endpoint, for
// client.Options.HostPort, e.g. "127.0.0.1:7233".
func (s *Server) FrontendAddress() string { return s.frontendAddr }

// UIAddress is the Web UI's base URL, e.g. "http://127.0.0.1:8233", or "" when
// the UI is off.
func (s *Server) UIAddress() string { return s.uiAddr }

// Namespace is the namespace the server was started with.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the Web UI and the server. It is safe to call more than once;
// later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// While stopping, the server logs warnings and errors about the work it
		// abandons (polls, task queues, system workflows: "context canceled").
		// They are expected and only alarm; a failure to stop is returned.
		s.logLevel.Set(slog.LevelError + 1)
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		if err := s.temporal.Stop(); err != nil {
			s.stopErr = fmt.Errorf("stopping embedded Temporal: %w", err)
		}
	})
	return s.stopErr
}

// stopQuietly stops a server whose start failed half-way; the start error is
// the one worth reporting.
func (s *Server) stopQuietly() { _ = s.Stop() }
