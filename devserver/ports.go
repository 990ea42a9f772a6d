package devserver

import (
	"fmt"
	"net"
	"strconv"
)

// checkPortFree reports an error when something already listens on ip:port.
func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d on %s is not free: %w", port, ip, err)
	}
	return l.Close()
}
