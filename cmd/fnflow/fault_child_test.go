package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnflow/fnflow/devserver"
)

// faultRoleEnv names the process a child of the fault test runs: "server",
// "worker" or "gateway".
const faultRoleEnv = "FAULT_TEST_CHILD_ROLE"

// TestFaultChild is one process of TestFaultKillEachProcessDuringReports,
// which runs this test binary again with faultRoleEnv set and the process's
// arguments after "--". Without faultRoleEnv it does nothing.
//
// The server role takes the data directory and the frontend's host:port and
// runs the embedded Temporal server; the worker and gateway roles run those
// fnflow commands with their flags. Each runs until it is killed or its
// parent goes away.
func TestFaultChild(t *testing.T) {
	role := os.Getenv(faultRoleEnv)
	if role == "" {
		return
	}
	// The parent holds our stdin open: when it dies, however it dies, so do
	// we, rather than holding ports and the database.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(1)
	}()
	args := flag.Args()
	if role != "server" {
		os.Exit(run(context.Background(), append([]string{role}, args...), os.Stdout, os.Stderr))
	}
	// Errors go to stderr, the log: a server child's stdout is only read for
	// childReady.
	if err := startFaultServer(args[0], args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "fault test server: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(childReady)
	select {}
}

// startFaultServer starts the embedded Temporal server on dataDir with its
// frontend on addr.
func startFaultServer(dataDir, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("reading the server's address: %w", err)
	}
	portNumber, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("reading the server's port: %w", err)
	}
	_, err = devserver.Start(context.Background(), devserver.Options{
		DataDir: dataDir,
		Port:    portNumber,
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	return err
}

// childReady is the line a server child prints once it serves.
const childReady = "ready"

// faultProcess is one child process, started again after each kill.
type faultProcess struct {
	role     string
	args     []string
	httpAddr string // where it serves HTTP, for the gateway
	log      string // the child's output, kept across restarts

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	killed bool
}

// start starts the process and waits until it serves: the server says so,
// the gateway answers HTTP. The worker needs no wait: Temporal keeps its
// tasks until it polls.
func (fp *faultProcess) start(t *testing.T, ctx context.Context) {
	t.Helper()
	logFile, err := os.OpenFile(fp.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("opening the %s's log: %v", fp.role, err)
	}
	defer logFile.Close()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestFaultChild$", "--"}, fp.args...)...)
	cmd.Env = append(childEnv(), faultRoleEnv+"="+fp.role)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	var ready <-chan struct{}
	if fp.role == "server" {
		stdout, stdoutWriter, err := os.Pipe()
		if err != nil {
			t.Fatalf("making the server's stdout: %v", err)
		}
		defer stdoutWriter.Close() // the child has its own copy
		cmd.Stdout = stdoutWriter
		ready = readyLine(stdout)
	}
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatalf("making the %s's stdin: %v", fp.role, err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the %s: %v", fp.role, err)
	}
	exited := make(chan struct{})
	fp.mu.Lock()
	fp.cmd, fp.exited, fp.killed = cmd, exited, false
	fp.mu.Unlock()
	go func() {
		err := cmd.Wait()
		fp.mu.Lock()
		killed := fp.killed
		fp.mu.Unlock()
		if !killed {
			t.Errorf("the %s exited by itself: %v; its log is %s", fp.role, err, fp.log)
		}
		close(exited)
	}()

	switch {
	case ready != nil:
		select {
		case <-ready:
			return
		case <-exited:
		case <-ctx.Done():
		}
	case fp.httpAddr != "":
		if answersHTTP(ctx, fp.httpAddr, exited) {
			return
		}
	default:
		return
	}
	t.Fatalf("the %s did not start serving; the end of its log:\n%s", fp.role, logTail(fp.log))
}

// answersHTTP polls addr until it answers HTTP; false when the process
// exited or ctx ended first.
func answersHTTP(ctx context.Context, addr string, exited <-chan struct{}) bool {
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// readyLine is closed when the child prints childReady on stdout. The rest
// of stdout is read and dropped, so the child never blocks on it.
func readyLine(stdout *os.File) <-chan struct{} {
	ready := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if scanner.Text() == childReady {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		stdout.Close()
	}()
	return ready
}

// kill kills the process with SIGKILL and waits until it is gone.
func (fp *faultProcess) kill(t *testing.T) {
	t.Helper()
	fp.mu.Lock()
	fp.killed = true
	cmd, exited := fp.cmd, fp.exited
	fp.mu.Unlock()
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("killing the %s: %v", fp.role, err)
	}
	<-exited
}

// stop kills the process if it runs and, when the test failed, shows the end
// of its log.
func (fp *faultProcess) stop(t *testing.T) {
	fp.mu.Lock()
	started := fp.cmd != nil
	fp.mu.Unlock()
	if started {
		fp.kill(t)
	}
	if t.Failed() {
		t.Logf("the end of the %s's log (%s):\n%s", fp.role, fp.log, logTail(fp.log))
	}
}

// childEnv is this process's environment without fnflow's settings: an
// FNFLOW_ACCESS_KEYS in the shell of whoever runs the tests must not change
// what the children run with.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FNFLOW_") {
			env = append(env, kv)
		}
	}
	return env
}

// logTail is the last lines of a log, enough to see what went wrong.
func logTail(path string) string {
	text, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}
