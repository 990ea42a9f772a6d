package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// startUI starts the Web UI (its assets are embedded in the ui-server module)
// and waits until it accepts connections.
func (s *Server) startUI(opts Options) error {
	host := opts.IP
	// The UI server joins host and port with a plain colon.
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                opts.UIPort,
		TemporalGRPCAddress: s.frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    opts.Namespace,
		// Served over plain HTTP on the local machine.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// A dev server must not phone home.
		DisableNewsFetch: true,
	}))
	s.uiDone = make(chan struct{})
	uiErr := make(chan error, 1)
	// Start blocks until Stop.
	go func() {
		defer close(s.uiDone)
		uiErr <- s.ui.Start()
	}()

	addr := net.JoinHostPort(dialIP(opts.IP), strconv.Itoa(opts.UIPort))
	s.uiAddr = "http://" + addr
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case err := <-uiErr:
			if err == nil {
				err = errors.New("UI server stopped at once")
			}
			return fmt.Errorf("starting Web UI: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("starting Web UI: nothing answers on %s: %w", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
