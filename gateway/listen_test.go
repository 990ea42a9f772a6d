package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveLimited serves handler with limits on a loopback port and returns its
// address.
func serveLimited(t *testing.T, handler http.Handler, limits Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(handler, limits)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedByServer reads conn until the server closes it; a client that is
// still connected after a minute means the server never did.
func closedByServer(conn net.Conn) error {
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errors.New("the server kept the connection open")
	}
	return nil
}

var testLimits = Limits{ReadHeader: time.Second, Read: 2 * time.Second, Write: 10 * time.Second, Idle: time.Second, MaxHeaderBytes: 4 << 10}

func TestSlowBodiesAreCutOffWhileOthersAreServed(t *testing.T) {
	const attackers = 200
	arrived := make(chan struct{}, attackers)
	addr := serveLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived <- struct{}{}
			if _, err := io.ReadAll(r.Body); err != nil {
				return
			}
		}
		io.WriteString(w, "served")
	}), testLimits)

	// Each attacker sends its headers promising 1 MiB, then a byte every
	// 100 ms: the body would take 29 hours.
	errs := make(chan error, attackers)
	var wg sync.WaitGroup
	for range attackers {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 1<<20)
		closed := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer close(closed)
			errs <- closedByServer(conn)
		}()
		go func() {
			defer wg.Done()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
	}
	for range attackers {
		<-arrived
	}

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("an ordinary request during the attack: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "served" {
		t.Errorf("an ordinary request during the attack: want 200 served, got %d %q", resp.StatusCode, body)
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a slow body: %v", err)
		}
	}
}

// A DescribeExecution may wait 60 s, longer than a client may take to send
// its request: the read timeout must not cancel it (net/http lifts the read
// deadline once the request is read).
func TestLongReplyOutlivesReadTimeout(t *testing.T) {
	limits := testLimits
	limits.Read = 200 * time.Millisecond
	addr := serveLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			io.WriteString(w, "cancelled")
		case <-time.After(5 * limits.Read):
			io.WriteString(w, "waited")
		}
	}), limits)

	for name, body := range map[string]string{"without a body": "", "with a body": "FlowName=f"} {
		resp, err := http.Post("http://"+addr+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(reply) != "waited" {
			t.Errorf("%s: a reply that waits past the read timeout: want waited, got %q", name, reply)
		}
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	addr := serveLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served")
	}), testLimits)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after the reply: the test needs it kept alive")
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := r.ReadByte(); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("an idle kept-alive connection was never closed")
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	addr := serveLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served")
	}), testLimits)
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*testLimits.MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("want 431, got %d", resp.StatusCode)
	}
}

func TestDefaultWriteTimeoutCoversTheLongestWait(t *testing.T) {
	const longestWait = 60 * time.Second // DescribeExecution's WaitTimeSeconds, at most 60
	if DefaultLimits.Write <= DefaultLimits.Read+longestWait {
		t.Errorf("Write %v must exceed Read %v plus the %v a DescribeExecution may wait", DefaultLimits.Write, DefaultLimits.Read, longestWait)
	}
}

func TestOnLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true,
		"127.0.0.2:0":    true,
		"[::1]:8080":     true,
		"localhost:8080": true,
		"0.0.0.0:8080":   false,
		":8080":          false,
		"[::]:8080":      false,
		"10.0.0.5:8080":  false,
		"gateway:8080":   false,
	} {
		got, err := OnLoopback(addr)
		if err != nil || got != want {
			t.Errorf("OnLoopback(%q) = %v, %v; want %v", addr, got, err, want)
		}
	}
	if _, err := OnLoopback("8080"); err == nil {
		t.Error("an address without a port must be an error")
	}
}
