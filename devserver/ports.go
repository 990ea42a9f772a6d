package devserver

import (
	"fmt"
	"io"
	"net"
	"strconv"
)

// freePort returns a port on ip that nothing listens on and that the kernel
// will not hand out again for a while.
//
// Several test processes start servers at once, each picking ports and binding
// them a moment later. A port that was merely listened on and closed can be
// given to another process's ":0" or outgoing connection in that moment. So
// the port is also connected to and closed from the listening side first: it
// sits in TIME_WAIT for a minute, which keeps the kernel from choosing it,
// while an explicit bind (Go sets SO_REUSEADDR) still succeeds.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", ip, err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	dialer, err := net.Dial("tcp", net.JoinHostPort(dialIP(ip), strconv.Itoa(port)))
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

// checkPortFree reports an error when something already listens on ip:port.
func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d on %s is not free: %w", port, ip, err)
	}
	return l.Close()
}
