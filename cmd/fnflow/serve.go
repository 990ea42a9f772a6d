package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/acs"
)

// accessFlags say who may call the gateway; `dev` and `gateway` take the
// same.
type accessFlags struct {
	keys           secret
	insecureNoAuth bool
	// maxNonces is how many signature nonces the gateway remembers.
	maxNonces int
}

func (a *accessFlags) register(fs *flag.FlagSet) {
	a.maxNonces = gateway.DefaultMaxNonces
	fs.Var((*positiveInt)(&a.maxNonces), "max-signature-nonces", "how many signed requests' nonces the gateway remembers, each until its timestamp is 15 minutes old, to refuse a replayed request (about 140 bytes each); past it, signed requests get 503 ServiceUnavailable until old ones expire: raise it for more than about 500 signed requests a second")
	a.keys.register(fs, "access-keys", "ID:SECRET pairs, separated by commas or one a line (lines starting with # are comments); when set, every request must be signed by one of them the way Alibaba's SDKs sign; when not, the gateway listens on loopback only; a --access-keys-file is read again on SIGHUP")
	fs.BoolVar(&a.insecureNoAuth, "insecure-no-auth", false, "serve unsigned requests on a non-loopback address without access keys, for a gateway behind a proxy that authenticates; logged at WARN")
}

// load returns the access keys of a gateway that will listen on addr (given
// as --addrFlag). Without keys the gateway accepts any request, so it must
// stay on loopback unless --insecure-no-auth says otherwise.
func (a *accessFlags) load(addrFlag, addr string, logger *slog.Logger) (map[string]string, error) {
	keys, err := a.read()
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		return keys, nil
	}
	loopback, err := gateway.OnLoopback(addr)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", addrFlag, err)
	}
	switch {
	case loopback:
		return nil, nil
	case a.insecureNoAuth:
		logger.Warn("the fnf API accepts unsigned requests on a non-loopback address (--insecure-no-auth): anyone who can reach it can create flows and start, stop and complete executions", "addr", addr)
		return nil, nil
	default:
		return nil, fmt.Errorf("refusing to serve the fnf API unauthenticated on %s (--%s), which other machines can reach: "+
			"set --access-keys (or FNFLOW_ACCESS_KEYS, or --access-keys-file), listen on 127.0.0.1, or, behind a proxy that authenticates, add --insecure-no-auth", addr, addrFlag)
	}
}

// read returns the access keys given, none when none are. A file must hold
// at least one: a file of comments only is a mistake, not a way to turn
// signatures off.
func (a *accessFlags) read() (map[string]string, error) {
	text, err := a.keys.get()
	if err != nil {
		return nil, err
	}
	keys, err := parseAccessKeys(text)
	switch {
	case err != nil && a.keys.file != "":
		return nil, fmt.Errorf("--access-keys-file %s: %w", a.keys.file, err)
	case err != nil:
		return nil, fmt.Errorf("--access-keys: %w", err)
	case len(keys) == 0 && a.keys.file != "":
		return nil, fmt.Errorf("--access-keys-file %s holds no keys, only comments", a.keys.file)
	}
	return keys, nil
}

// reloadOnHangup reads --access-keys-file again into keys on every SIGHUP
// until ctx ends. A file that does not read (missing, empty, a bad line)
// leaves the keys as they were and is logged at ERROR. Without a file
// SIGHUP is left alone and ends the command, as when its terminal closes.
func (a *accessFlags) reloadOnHangup(ctx context.Context, keys *acs.Keys, logger *slog.Logger) {
	if a.keys.file == "" {
		return
	}
	hangup := make(chan os.Signal, 1)
	// Caught before the command serves, so that a reload asked for at once
	// does not kill it.
	signal.Notify(hangup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hangup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hangup:
			}
			fresh, err := a.read()
			if err == nil {
				err = keys.Replace(fresh)
			}
			if err != nil {
				logger.Error("reloading the access keys failed; the gateway keeps the keys it had", "error", err)
				continue
			}
			logger.Info("access keys reloaded", "file", a.keys.file, "keys", len(fresh))
		}
	}()
}

// parseAccessKeys reads ID:SECRET pairs separated by commas or new lines;
// a line whose first character but blanks is # is a comment.
func parseAccessKeys(text string) (map[string]string, error) {
	var pairs []string
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for pair := range strings.SplitSeq(line, ",") {
			if pair = strings.TrimSpace(pair); pair != "" {
				pairs = append(pairs, pair)
			}
		}
	}
	keys := map[string]string{}
	for i, pair := range pairs {
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			// Say which, not what: the text may be a secret.
			return nil, fmt.Errorf("key %d is not ID:SECRET", i+1)
		}
		keys[id] = secret
	}
	return keys, nil
}

// serveHTTP listens on addr and serves handler (the gateway, or what is
// named) until the server is shut down; done receives the serving error, if
// any.
func serveHTTP(name, addr string, handler http.Handler, logger *slog.Logger) (*http.Server, string, chan error, error) {
	ln, err := listenHTTP(name, addr)
	if err != nil {
		return nil, "", nil, err
	}
	srv, url, done := serveOn(name, ln, handler, logger)
	return srv, url, done, nil
}

// listenHTTP claims addr for what is named, for serveOn.
func listenHTTP(name, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ln, nil
}

// serveOn serves handler on ln as serveHTTP does.
func serveOn(name string, ln net.Listener, handler http.Handler, logger *slog.Logger) (*http.Server, string, chan error) {
	srv := gateway.NewHTTPServer(handler, gateway.DefaultLimits)
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			logger.Error(name+" stopped", "error", err)
		}
		done <- err
	}()
	return srv, "http://" + ln.Addr().String(), done
}

// stopGrace is how long a stopping gateway lets requests in flight finish.
// A DescribeExecution may wait up to a minute for an execution to end; such a
// wait is cut short rather than holding the stop, and its caller asks again.
const stopGrace = 5 * time.Second

// stopHTTP shuts srv down: it stops accepting, lets requests in flight finish
// for up to grace, then closes what is left. Cutting a long wait short is how
// a stop goes, not a failure of the command.
func stopHTTP(srv *http.Server, grace time.Duration, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("gateway requests still in flight after the stop grace are cut short", "grace", grace.String())
		err = srv.Close()
	}
	if err != nil {
		return fmt.Errorf("stopping the gateway: %w", err)
	}
	return nil
}
