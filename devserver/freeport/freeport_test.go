package freeport

import (
	"net"
	"strconv"
	"testing"
)

// Reserve must not hand out the same port twice, its ports must be
// bindable at once, and the kernel must not give them to a listener that
// asks for any port: other processes pick ports that way meanwhile.
func TestReserve(t *testing.T) {
	reserved := map[int]bool{}
	for range 200 {
		port, err := Reserve("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if reserved[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		reserved[port] = true
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("binding reserved port %d: %v", port, err)
		}
		l.Close()
	}
	// Bound and closed again, the ports are still in TIME_WAIT from their
	// reservation. The kernel's ephemeral range has some 28,000 ports: a
	// plainly closed port comes back within that many picks, a reserved one
	// must not.
	for range 30000 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if reserved[port] {
			t.Fatalf("the kernel gave reserved port %d to a listener on port 0", port)
		}
	}
}

func TestReserveOnEveryInterface(t *testing.T) {
	port, err := Reserve("0.0.0.0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("binding reserved port %d: %v", port, err)
	}
	l.Close()
}
