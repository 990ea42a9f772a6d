package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"

	"github.com/fnflow/fnflow/devserver/freeport"
	"github.com/fnflow/fnflow/fnfclient"
)

// functionResource is the Function Compute resource the benchmark flows
// call; the workers' bindings file points it at the function.
const functionResource = "services/fnflow-bench/functions/step"

// stack is what the benchmark runs against: a gateway, the Temporal server
// behind it, the processes whose CPU time and memory count, and where the
// profiles of `fnflow dev` are served (empty against a running stack).
type stack struct {
	gateway  *fnfclient.Client
	temporal client.Client
	pids     []int
	pprof    string
	stop     func()
}

// reachStack connects to the stack the flags name, or starts `fnflow dev`
// with the function bound when they name none.
func reachStack(ctx context.Context, opts options, fn *function, logger *slog.Logger) (*stack, error) {
	s := &stack{pids: opts.pids, stop: func() {}}
	gatewayURL, temporalAddress, namespace := opts.gateway, opts.temporalAddress, opts.namespace
	if gatewayURL == "" {
		dev, err := startDev(ctx, opts.fnflowBinary, fn.url)
		if err != nil {
			return nil, err
		}
		s.stop = dev.stop
		s.pids = []int{dev.cmd.Process.Pid}
		s.pprof = dev.pprof
		gatewayURL, temporalAddress, namespace = dev.gateway, dev.temporal, "default"
	}
	s.gateway = &fnfclient.Client{Endpoint: gatewayURL, AccessKeyID: opts.accessKeyID, AccessKeySecret: opts.accessKeySecret}
	c, err := client.Dial(client.Options{
		HostPort: temporalAddress, Namespace: namespace,
		Logger: temporallog.NewStructuredLogger(logger),
		// As `fnflow dev` talks to its server: gzip over loopback only
		// costs both sides CPU.
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}},
	})
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("connecting to Temporal at %s: %w", temporalAddress, err)
	}
	s.temporal = c
	stopStack := s.stop
	s.stop = func() { c.Close(); stopStack() }
	fn.gateway, fn.temporal = s.gateway, c
	return s, nil
}

// dev is a `fnflow dev` the benchmark started.
type dev struct {
	cmd      *exec.Cmd
	dir      string
	gateway  string
	temporal string
	pprof    string
}

// buildFnflow builds fnflow from this checkout into dir, once for every
// `fnflow dev` a run starts.
func buildFnflow(ctx context.Context, dir string) (string, error) {
	binary := filepath.Join(dir, "fnflow")
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "github.com/fnflow/fnflow/cmd/fnflow")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building fnflow: %w", err)
	}
	return binary, nil
}

// devStarts counts the `fnflow dev` processes started, each a fresh stack
// the scenarios measure on.
var devStarts atomic.Int32

func startDev(ctx context.Context, binary, functionURL string) (*dev, error) {
	dir, err := os.MkdirTemp("", "fnflow-bench")
	if err != nil {
		return nil, err
	}
	d := &dev{dir: dir}
	bindings := filepath.Join(dir, "functions.yaml")
	if err := os.WriteFile(bindings, []byte("functions:\n  - resource: "+functionResource+"\n    http: {url: "+functionURL+"}\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	d.temporal = "127.0.0.1:" + strconv.Itoa(ports[0])
	d.gateway = "http://127.0.0.1:" + strconv.Itoa(ports[1])
	// The idle scenario reads the heap of `fnflow dev` from its profiles.
	d.pprof = "http://127.0.0.1:" + strconv.Itoa(ports[2])
	d.cmd = exec.Command(binary, "dev", "--data-dir", filepath.Join(dir, "data"), "--functions", bindings,
		"--temporal-port", strconv.Itoa(ports[0]), "--gateway-addr", strings.TrimPrefix(d.gateway, "http://"),
		"--ui-port", "0", "--console=false", "--log-level", "warn", "--pprof", strings.TrimPrefix(d.pprof, "http://"))
	d.cmd.Stderr = os.Stderr
	if err := d.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting fnflow dev: %w", err)
	}
	devStarts.Add(1)
	if err := waitReady(ctx, d.gateway, time.Minute); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

func (d *dev) stop() {
	_ = d.cmd.Process.Signal(os.Interrupt)
	stopped := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-stopped
	}
	os.RemoveAll(d.dir)
}

func waitReady(ctx context.Context, gateway string, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		resp, err := http.Get(gateway + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("fnflow dev was not ready within a minute")
}

// freePorts returns n ports on 127.0.0.1 for the `fnflow dev` about to be
// started, reserved (freeport.Reserve): a port merely closed, the kernel
// may hand to that process's own picks for its internal services.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		port, err := freeport.Reserve("127.0.0.1")
		if err != nil {
			return nil, err
		}
		ports = append(ports, port)
	}
	return ports, nil
}

// cpuTime is the CPU time the processes have used so far, as Linux counts it.
func cpuTime(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
		}
		// The command name may hold spaces: the fields count from its ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		user, _ := strconv.ParseInt(fields[11], 10, 64)
		system, _ := strconv.ParseInt(fields[12], 10, 64)
		// USER_HZ is 100 on every Linux this runs on.
		total += time.Duration(user+system) * 10 * time.Millisecond
	}
	return total, nil
}

// residentMemory is the processes' resident memory in bytes (VmRSS).
func residentMemory(pids []int) (int64, error) {
	var total int64
	for _, pid := range pids {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, fmt.Errorf("reading the memory of process %d: %w", pid, err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if kB, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kB), "kB")), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("reading the memory of process %d: %q: %w", pid, line, err)
				}
				total += n * 1024
			}
		}
	}
	return total, nil
}

// devHeap is the Go heap `fnflow dev` holds after a collection
// (runtime.MemStats.HeapAlloc), read from its heap profile, whose ?gc=1
// collects first and whose debug=1 text ends with the MemStats.
func devHeap(ctx context.Context, pprof string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pprof+"/debug/pprof/heap?gc=1&debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("reading the heap of fnflow dev: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("reading the heap of fnflow dev: %s %v", resp.Status, err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			return strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		}
	}
	return 0, errors.New("the heap profile of fnflow dev has no HeapAlloc")
}

// ownHeap is the Go heap this process holds after a collection: the
// baseline's worker lives here, and the tokens the function holds.
func ownHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
