package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnflow/fnflow/fnfclient"
)

const callbackFlowFile = "../../samples/callback/flow.yaml"

// echoFunction is the sample's echo function: it records what it received.
type echoFunction struct {
	mu     sync.Mutex
	inputs []map[string]any
}

func (f *echoFunction) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var input map[string]any
	_ = json.NewDecoder(r.Body).Decode(&input)
	f.mu.Lock()
	f.inputs = append(f.inputs, input)
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(input)
}

func (f *echoFunction) received() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.inputs...)
}

// startStack runs what `fnflow dev` runs, on dataDir, with free ports.
func startStack(t *testing.T, dataDir, functionURL, flowsDir string) *localStack {
	t.Helper()
	bindings := filepath.Join(t.TempDir(), "bindings.yaml")
	if err := os.WriteFile(bindings, []byte("functions:\n  - resource: services/fnf-demo/functions/echo\n    http:\n      url: "+functionURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stack, err := startLocal(ctx, devOptions{
		dataDir:     dataDir,
		gatewayAddr: "127.0.0.1:0",
		functions:   bindings,
		flowsDir:    flowsDir,
	}, logger)
	if err != nil {
		t.Fatalf("starting the local stack: %v", err)
	}
	return stack
}

// api calls one gateway action in the Alibaba RPC form and decodes the reply.
func api(t *testing.T, stack *localStack, action string, params url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(stack.gatewayURL+"/?Action="+action+"&Version=2019-03-15", params)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: reply is not JSON: %v", action, err)
	}
	return resp.StatusCode, body
}

func mustAPI(t *testing.T, stack *localStack, action string, params url.Values) map[string]any {
	t.Helper()
	status, body := api(t, stack, action, params)
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d %v", action, status, body)
	}
	return body
}

func deployCallbackFlow(t *testing.T, stack *localStack) {
	t.Helper()
	definition, err := os.ReadFile(callbackFlowFile)
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, stack, "CreateFlow", url.Values{"Name": {"fnf-demo-callback"}, "Definition": {string(definition)}, "Description": {"callback demo"}, "Type": {"FDL"}})
}

// waitForToken polls the history until the step waits and returns its token.
// It polls often, so that what a test does next comes right after the step
// handed its work over.
func waitForToken(t *testing.T, stack *localStack, flow, execution string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		status, body := api(t, stack, "GetExecutionHistory", url.Values{"FlowName": {flow}, "ExecutionName": {execution}})
		if status == http.StatusOK {
			events, _ := body["Events"].([]any)
			for _, e := range events {
				event := e.(map[string]any)
				if event["Type"] != "TaskSubmitted" {
					continue
				}
				var detail map[string]any
				_ = json.Unmarshal([]byte(event["EventDetail"].(string)), &detail)
				if tok, _ := detail["taskToken"].(string); tok != "" {
					return tok
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("execution %s never reported a TaskSubmitted event with a token", execution)
	return ""
}

func describe(t *testing.T, stack *localStack, execution string) map[string]any {
	t.Helper()
	return mustAPI(t, stack, "DescribeExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {execution}, "WaitTimeSeconds": {"20"}})
}

func TestCallbackExampleEndToEnd(t *testing.T) {
	echo := &echoFunction{}
	fn := httptest.NewServer(echo)
	defer fn.Close()
	stack := startStack(t, t.TempDir(), fn.URL, "")
	defer func() {
		if err := stack.stop(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	}()
	deployCallbackFlow(t, stack)

	t.Run("report success", func(t *testing.T) {
		mustAPI(t, stack, "StartExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"run1"}, "Input": {`{"order":"o-1"}`}})
		tok := waitForToken(t, stack, "fnf-demo-callback", "run1")
		var handedOver bool
		for _, in := range echo.received() {
			handedOver = handedOver || in["taskToken"] == tok
		}
		if !handedOver {
			t.Errorf("the function never received the token from the history: %v", echo.received())
		}
		mustAPI(t, stack, "ReportTaskSucceeded", url.Values{"TaskToken": {tok}, "Output": {`{"status":"ok"}`}})
		exec := describe(t, stack, "run1")
		if exec["Status"] != "Succeeded" || exec["Output"] != `{"s":"ok"}` {
			t.Errorf("want Succeeded with output {\"s\":\"ok\"}, got %v / %v", exec["Status"], exec["Output"])
		}

		status, body := api(t, stack, "ReportTaskSucceeded", url.Values{"TaskToken": {tok}, "Output": {`{"status":"again"}`}})
		if status != http.StatusBadRequest || body["Code"] != "TaskAlreadyCompleted" {
			t.Errorf("second report: want 400 TaskAlreadyCompleted, got %d %v", status, body)
		}
	})

	t.Run("report failure", func(t *testing.T) {
		mustAPI(t, stack, "StartExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"run2"}})
		tok := waitForToken(t, stack, "fnf-demo-callback", "run2")

		forged := []byte(tok)
		forged[len(forged)/2] ^= 1
		for name, bad := range map[string]string{"forged": string(forged), "truncated": tok[:len(tok)-10]} {
			status, body := api(t, stack, "ReportTaskSucceeded", url.Values{"TaskToken": {bad}, "Output": {`{"status":"forged"}`}})
			if status != http.StatusBadRequest || body["Code"] != "InvalidArgument" {
				t.Errorf("%s token: want 400 InvalidArgument, got %d %v", name, status, body)
			}
		}
		status, body := api(t, stack, "ReportTaskSucceeded", url.Values{"TaskToken": {tok}, "Output": {`not json`}})
		if status != http.StatusBadRequest || body["Code"] != "InvalidArgument" {
			t.Errorf("bad output: want 400 InvalidArgument, got %d %v", status, body)
		}
		if exec := mustAPI(t, stack, "DescribeExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"run2"}}); exec["Status"] != "Running" {
			t.Fatalf("bad callbacks must leave the execution waiting, got %v", exec["Status"])
		}

		mustAPI(t, stack, "ReportTaskFailed", url.Values{"TaskToken": {tok}, "Error": {"Worker.Failed"}, "Cause": {"the printer is on fire"}})
		if exec := describe(t, stack, "run2"); exec["Status"] != "Failed" {
			t.Fatalf("want Failed, got %v", exec["Status"])
		}
		history := mustAPI(t, stack, "GetExecutionHistory", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"run2"}})
		events := history["Events"].([]any)
		last := events[len(events)-1].(map[string]any)
		var detail map[string]any
		_ = json.Unmarshal([]byte(last["EventDetail"].(string)), &detail)
		if last["Type"] != "ExecutionFailed" || detail["error"] != "Worker.Failed" || detail["cause"] != "the printer is on fire" {
			t.Errorf("want ExecutionFailed with the reported error and cause, got %v", last)
		}
	})
}

func TestWaitingExecutionSurvivesRestart(t *testing.T) {
	fn := httptest.NewServer(&echoFunction{})
	defer fn.Close()
	dataDir := t.TempDir()

	first := startStack(t, dataDir, fn.URL, "")
	deployCallbackFlow(t, first)
	mustAPI(t, first, "StartExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"across-restart"}})
	tok := waitForToken(t, first, "fnf-demo-callback", "across-restart")
	if err := first.stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}

	second := startStack(t, dataDir, fn.URL, "")
	defer second.stop()
	if exec := mustAPI(t, second, "DescribeExecution", url.Values{"FlowName": {"fnf-demo-callback"}, "ExecutionName": {"across-restart"}}); exec["Status"] != "Running" {
		t.Fatalf("after the restart the execution must still wait, got %v", exec["Status"])
	}
	mustAPI(t, second, "ReportTaskSucceeded", url.Values{"TaskToken": {tok}, "Output": {`{"status":"ok"}`}})
	if exec := describe(t, second, "across-restart"); exec["Status"] != "Succeeded" || exec["Output"] != `{"s":"ok"}` {
		t.Errorf("want Succeeded with {\"s\":\"ok\"}, got %v / %v", exec["Status"], exec["Output"])
	}
}

func TestDevDeploysFlowsDirectory(t *testing.T) {
	fn := httptest.NewServer(&echoFunction{})
	defer fn.Close()
	stack := startStack(t, t.TempDir(), fn.URL, "../../samples/flows")
	defer stack.stop()
	flow := mustAPI(t, stack, "DescribeFlow", url.Values{"Name": {"fnf-demo-callback"}})
	if !strings.Contains(flow["Definition"].(string), "waitForCallback") {
		t.Errorf("the deployed flow must carry the file's definition, got %v", flow)
	}
}

func TestDevRefusesInvalidFlowsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("version: v1\ntype: flow\nsteps:\n  - type: nope\n    name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err := startLocal(context.Background(), devOptions{dataDir: t.TempDir(), gatewayAddr: "127.0.0.1:0", flowsDir: dir}, logger)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml:4:") {
		t.Errorf("want the flow's file:line:col diagnostics, got %v", err)
	}
}

// A gateway address that is taken fails the start at once, before the data
// directory is made or Temporal started.
func TestDevRefusesBusyGatewayAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err = startLocal(context.Background(), devOptions{dataDir: dataDir, gatewayAddr: busy.Addr().String()}, logger)
	if err == nil || !strings.Contains(err.Error(), "gateway") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("want a gateway address-in-use error, got %v", err)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("the data directory was touched before the start failed: %v", err)
	}
}

// `fnflow dev` takes the gateway's credentials: with access keys it serves on
// every interface and refuses unsigned requests.
func TestDevTakesAccessKeys(t *testing.T) {
	clearEnvironment(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys := writeSecret(t, "dev-id:dev-secret\n")
	banner, stdout := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- runDev(ctx, []string{"--data-dir", t.TempDir(), "--temporal-port", "0", "--ui-port", "0",
			"--gateway-addr", "0.0.0.0:0", "--access-keys-file", keys, "--max-signature-nonces", "1", "--log-level", "error"}, stdout, io.Discard)
		stdout.Close()
	}()
	gatewayURL := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(banner)
		for lines.Scan() {
			if url, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "fnf API gateway"); ok {
				gatewayURL <- strings.TrimSuffix(strings.TrimSpace(url), "/")
			}
		}
		close(gatewayURL)
	}()
	base, ok := <-gatewayURL
	if !ok {
		t.Fatalf("fnflow dev stopped with status %d before serving", <-exited)
	}
	// The gateway listens on every interface; reach it over loopback.
	listening, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	base = "http://127.0.0.1:" + listening.Port()

	for params, want := range map[string]string{
		"":                               "AccessDenied",       // unsigned
		"&AccessKeyId=other&Signature=x": "InvalidAccessKeyID", // a key it was not given
		"&AccessKeyId=dev-id&Signature=forged%3D": "SignatureNotMatch", // its key, badly signed
	} {
		resp, err := http.Get(base + "/?Action=ListFlows&Version=2019-03-15" + params)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || body["Code"] != want {
			t.Errorf("ListFlows%s: want 403 %s, got %d %v", params, want, resp.StatusCode, body)
		}
	}
	// Its key, well signed: served. With --max-signature-nonces 1 the
	// gateway then remembers that request's nonce and no room is left
	// for the next one's.
	signed := &fnfclient.Client{Endpoint: base, AccessKeyID: "dev-id", AccessKeySecret: "dev-secret"}
	if _, err := signed.ListFlows(ctx, ""); err != nil {
		t.Errorf("a signed ListFlows: %v", err)
	}
	var full *fnfclient.APIError
	if _, err := signed.ListFlows(ctx, ""); !errors.As(err, &full) || full.HTTPStatus != http.StatusServiceUnavailable || full.Code != "ServiceUnavailable" {
		t.Errorf("a signed ListFlows past the nonces the gateway may remember: want 503 ServiceUnavailable, got %v", err)
	}
	cancel()
	if status := <-exited; status != 0 {
		t.Errorf("fnflow dev stopped with status %d", status)
	}
}

// The banner says where everything is and what to type next with the CLI,
// with the endpoint when the gateway is not at the client's default.
func TestBanner(t *testing.T) {
	stack := startStack(t, t.TempDir(), "http://127.0.0.1:1", "")
	t.Cleanup(func() { _ = stack.stop() })
	var out strings.Builder
	printBanner(&out, devOptions{dataDir: "/data", console: true}, stack)
	for _, want := range []string{
		"  Console            " + stack.gatewayURL + "/console\n",
		"  go run ./cmd/fnflow run fnf-demo-callback --name run1 --watch --endpoint " + stack.gatewayURL + "\n",
		"  go run ./cmd/fnflow task succeed --step fnf-demo-callback/run1/mytask --output '{\"status\":\"ok\"}' --endpoint " + stack.gatewayURL + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner has no %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "curl") {
		t.Errorf("banner still shows curl:\n%s", out.String())
	}
}

// Notifications name a certificate URL a subscriber on this machine can
// fetch, whatever address the gateway was given.
func TestLocalCertificateURL(t *testing.T) {
	for _, c := range []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080/mns/notification-cert.pem"},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 7), Port: 8080}, "http://192.168.1.7:8080/mns/notification-cert.pem"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 41234}, "http://127.0.0.1:41234/mns/notification-cert.pem"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 41234}, "http://127.0.0.1:41234/mns/notification-cert.pem"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "http://[::1]:8080/mns/notification-cert.pem"},
	} {
		if got := localCertificateURL(c.addr); got != c.want {
			t.Errorf("%v: %s, want %s", c.addr, got, c.want)
		}
	}
}
