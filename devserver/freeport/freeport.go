// Package freeport picks TCP ports for listeners that are bound a moment
// later, by another library or another process: the embedded Temporal
// server's services, a child `fnflow dev` a test or benchmark starts.
package freeport

import (
	"fmt"
	"io"
	"net"
	"strconv"
)

// Reserve returns a port on ip that nothing listens on and that the kernel
// will not hand out again for a while.
//
// Several processes pick ports at once, each binding them a moment later. A
// port that was merely listened on and closed can be given to another
// process's ":0" or outgoing connection in that moment. So the port is also
// connected to and closed from the listening side first: it sits in
// TIME_WAIT for a minute, which keeps the kernel from choosing it, while an
// explicit bind (Go sets SO_REUSEADDR) still succeeds.
func Reserve(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", ip, err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	// On Linux a listener on every interface is reached by dialing its
	// unspecified address too.
	dialer, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("reserving port %d on %s: %w", port, ip, err)
	}
	defer dialer.Close()
	accepted, err := l.Accept()
	if err != nil {
		return 0, fmt.Errorf("reserving port %d on %s: %w", port, ip, err)
	}
	// Close the listening side first so that it, not the dialer, is the one
	// left in TIME_WAIT; wait for the dialer to see the close.
	accepted.Close()
	_, _ = io.Copy(io.Discard, dialer)
	return port, nil
}

// ReserveLocal is Reserve on 127.0.0.1, as host:port.
func ReserveLocal() (string, error) {
	port, err := Reserve("127.0.0.1")
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}
