package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnflow/fnflow/devserver/freeport"
)

// faultFlow hands each of its two steps' tokens to a function and waits for
// the reports; the execution's output is what both reports said.
const faultFlow = `version: v1
type: flow
steps:
  - type: task
    name: first
    resourceArn: acs:fc:::services/fault/functions/hold
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: first
        source: $local.value
  - type: task
    name: second
    resourceArn: acs:fc:::services/fault/functions/hold
    pattern: waitForCallback
    inputMappings:
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: second
        source: $local.value
`

const (
	faultFlowName = "fault"
	// executionsPerVictim wait on their second step while one process is
	// killed; every fifth of them is reported failed.
	executionsPerVictim = 10
	reportedError       = "Fault.Reported"
)

// TestFaultKillEachProcessDuringReports runs the embedded Temporal server,
// the worker and the gateway as processes of their own and kills each in
// turn with SIGKILL in the middle of a burst of reports, then restarts it.
// Every execution must end as its report said: a report answered 200 (or
// TaskAlreadyCompleted, meaning an attempt whose answer was lost was applied)
// is never lost, and no execution is left waiting.
func TestFaultKillEachProcessDuringReports(t *testing.T) {
	// Bounds for a run that goes wrong; one that goes right takes 10 to 20 s.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	p := startFaultProcesses(t, ctx)
	gw := &localStack{gatewayURL: p.gatewayURL} // the helpers of dev_test.go need only the gateway's URL
	mustAPI(t, gw, "CreateFlow", url.Values{"Name": {faultFlowName}, "Definition": {faultFlow}, "Description": {"fault test"}, "Type": {"FDL"}})

	victims := []*faultProcess{p.server, p.worker, p.gateway}
	var executions []string
	for _, v := range victims {
		for i := range executionsPerVictim {
			name := fmt.Sprintf("%s-%d", v.role, i)
			mustAPI(t, gw, "StartExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {name}})
			executions = append(executions, name)
		}
	}
	// The first steps are reported while everything runs, so what they
	// reported must survive the kills too.
	for _, name := range executions {
		tok := submittedToken(t, ctx, gw, name, "first")
		if out := sendReport(ctx, p.gatewayURL, succeeded(tok, "1-"+name)); !out.applied() {
			t.Fatalf("reporting the first step of %s: %v", name, out)
		}
	}
	// Kills happen only while every execution waits with its token recorded:
	// a hand-off interrupted mid-way is another matter.
	reports := map[string]report{}
	for i, name := range executions {
		tok := submittedToken(t, ctx, gw, name, "second")
		if i%5 == 4 {
			reports[name] = report{action: "ReportTaskFailed", params: url.Values{"TaskToken": {tok}, "Error": {reportedError}, "Cause": {"cause-" + name}}}
		} else {
			reports[name] = succeeded(tok, "2-"+name)
		}
	}

	outcomes := map[string]reportOutcome{}
	for i, v := range victims {
		group := executions[i*executionsPerVictim : (i+1)*executionsPerVictim]
		for name, out := range burstWhileKilling(t, ctx, p.gatewayURL, v, group, reports) {
			outcomes[name] = out
		}
	}

	// Every process has been killed and restarted once; now nothing is.
	endBy := time.Now().Add(40 * time.Second)
	for _, name := range executions {
		out := outcomes[name]
		if !out.applied() {
			t.Errorf("%s: the report of its second step never got an answer that it was applied: %v", name, out)
			continue
		}
		if problem := checkEnd(t, gw, name, reports[name], endBy); problem != "" {
			t.Errorf("%s (report answered %s): %s", name, out, problem)
		}
	}
}

// burstWhileKilling reports the group's second steps concurrently: half of
// them, then, once one is answered, SIGKILL of the victim, the other half
// while it is down, and its restart. It returns when every report has its
// final answer.
func burstWhileKilling(t *testing.T, ctx context.Context, gatewayURL string, victim *faultProcess, group []string, reports map[string]report) map[string]reportOutcome {
	t.Helper()
	var mu sync.Mutex
	outcomes := map[string]reportOutcome{}
	var wg sync.WaitGroup
	answered := make(chan struct{}, len(group))
	fire := func(names []string) {
		for _, name := range names {
			wg.Go(func() {
				out := sendReport(ctx, gatewayURL, reports[name])
				mu.Lock()
				outcomes[name] = out
				mu.Unlock()
				answered <- struct{}{}
			})
		}
	}
	half := len(group) / 2
	fire(group[:half])
	select {
	case <-answered:
	case <-ctx.Done():
		t.Fatalf("no report of the burst before killing the %s was answered", victim.role)
	}
	victim.kill(t)
	fire(group[half:])
	victim.start(t, ctx)
	wg.Wait()

	var answers []string
	for _, name := range group {
		answers = append(answers, fmt.Sprintf("%s: %s", name, outcomes[name]))
	}
	t.Logf("killed the %s after the first answer of the burst; answers:\n%s", victim.role, strings.Join(answers, "\n"))
	return outcomes
}

// checkEnd waits until the execution has ended, at the latest by endBy, and
// says how its end differs from what rep reported ("" when it does not).
func checkEnd(t *testing.T, gw *localStack, name string, rep report, endBy time.Time) string {
	t.Helper()
	var exec map[string]any
	for {
		wait := int(time.Until(endBy) / time.Second)
		exec = mustAPI(t, gw, "DescribeExecution", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {name}, "WaitTimeSeconds": {strconv.Itoa(max(0, min(wait, 60)))}})
		if (exec["Status"] != "Running" && exec["Status"] != "Starting") || wait <= 0 {
			break
		}
	}
	if rep.action == "ReportTaskSucceeded" {
		want := map[string]any{"first": "1-" + name, "second": rep.value}
		var got map[string]any
		_ = json.Unmarshal([]byte(fmt.Sprint(exec["Output"])), &got)
		if exec["Status"] != "Succeeded" || !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("want Succeeded with output %v, got %v with output %v", want, exec["Status"], exec["Output"])
		}
		return ""
	}
	if exec["Status"] != "Failed" {
		return fmt.Sprintf("want Failed with error %s, got %v", reportedError, exec["Status"])
	}
	history := mustAPI(t, gw, "GetExecutionHistory", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {name}})
	events, _ := history["Events"].([]any)
	if len(events) == 0 {
		return "want an ExecutionFailed event, got no history"
	}
	last, _ := events[len(events)-1].(map[string]any)
	var detail map[string]any
	_ = json.Unmarshal([]byte(fmt.Sprint(last["EventDetail"])), &detail)
	if last["Type"] != "ExecutionFailed" || detail["error"] != reportedError || detail["cause"] != rep.params.Get("Cause") {
		return fmt.Sprintf("want ExecutionFailed with error %s and cause %s, got %v", reportedError, rep.params.Get("Cause"), last)
	}
	return ""
}

// submittedToken waits until the history shows the step's token recorded,
// which is when its hand-off is over.
func submittedToken(t *testing.T, ctx context.Context, gw *localStack, execution, step string) string {
	t.Helper()
	for ctx.Err() == nil {
		if status, body := api(t, gw, "GetExecutionHistory", url.Values{"FlowName": {faultFlowName}, "ExecutionName": {execution}}); status == http.StatusOK {
			events, _ := body["Events"].([]any)
			for _, e := range events {
				event, _ := e.(map[string]any)
				var detail map[string]any
				_ = json.Unmarshal([]byte(fmt.Sprint(event["EventDetail"])), &detail)
				if tok, _ := detail["taskToken"].(string); event["Type"] == "TaskSubmitted" && event["StepName"] == step && tok != "" {
					return tok
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("step %s of %s never recorded its token", step, execution)
	return ""
}

// report is one ReportTaskSucceeded or ReportTaskFailed request.
type report struct {
	action string
	params url.Values
	value  string // the reported output's value, for ReportTaskSucceeded
}

func succeeded(tok, value string) report {
	return report{action: "ReportTaskSucceeded", params: url.Values{"TaskToken": {tok}, "Output": {`{"value":"` + value + `"}`}}, value: value}
}

// reportOutcome is the final answer to a report, how many attempts it took
// and how long.
type reportOutcome struct {
	status   int
	code     string
	attempts int
	took     time.Duration
	err      error // the last attempt's transport error, when there was no answer
}

// applied tells whether the answer says the report took effect: 200, or
// TaskAlreadyCompleted, which here means that an attempt whose answer was lost
// was applied: only this test reports these tokens, and the end of the
// execution shows whether it was. The lost answer may be the gateway's own,
// retrying Temporal, so it can come on a first attempt too.
func (o reportOutcome) applied() bool {
	return o.status == http.StatusOK || o.status == http.StatusBadRequest && o.code == "TaskAlreadyCompleted"
}

func (o reportOutcome) String() string {
	took := o.took.Round(time.Millisecond)
	if o.status == 0 {
		return fmt.Sprintf("no answer after %d attempts in %v (%v)", o.attempts, took, o.err)
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", o.status, o.code)) + fmt.Sprintf(" after %d attempts in %v", o.attempts, took)
}

// sendReport sends the report as a careful worker does: again after a
// connection error or a 5xx, until it gets any other answer or ctx ends.
func sendReport(ctx context.Context, gatewayURL string, rep report) reportOutcome {
	client := &http.Client{Timeout: 30 * time.Second}
	var out reportOutcome
	start := time.Now()
	for {
		out.attempts++
		out.status, out.code, out.err = postReport(ctx, client, gatewayURL, rep)
		out.took = time.Since(start)
		if out.err == nil && out.status < 500 {
			return out
		}
		// A pause between attempts keeps a dead gateway from being
		// hammered; it does not order anything.
		select {
		case <-ctx.Done():
			return out
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func postReport(ctx context.Context, client *http.Client, gatewayURL string, rep report) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gatewayURL+"/?Action="+rep.action+"&Version=2019-03-15", strings.NewReader(rep.params.Encode()))
	if err != nil {
		return 0, "", fmt.Errorf("making the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var body struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, "", fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, body.Code, nil
}

// faultProcesses are the three processes of the test, each a child running
// this test binary (see TestFaultChild).
type faultProcesses struct {
	server, worker, gateway *faultProcess
	gatewayURL              string
}

// startFaultProcesses starts a deployment of one gateway, its worker run
// with workerArgs.
func startFaultProcesses(t *testing.T, ctx context.Context, workerArgs ...string) *faultProcesses {
	t.Helper()
	d := newFaultDeployment(t, workerArgs...)
	gateway := d.gateway(t, "gateway")
	d.server.start(t, ctx)
	d.worker.start(t, ctx)
	gateway.start(t, ctx)
	return &faultProcesses{server: d.server, worker: d.worker, gateway: gateway, gatewayURL: "http://" + gateway.httpAddr}
}

// faultDeployment is a deployment of separate processes, not yet started:
// the embedded Temporal server, a worker whose callback function hands
// tokens back (echoFunction), and the gateways made with gateway.
type faultDeployment struct {
	dir            string
	server, worker *faultProcess
	// common are the flags every fnflow process of the deployment takes.
	common []string
}

func newFaultDeployment(t *testing.T, workerArgs ...string) *faultDeployment {
	t.Helper()
	dir := t.TempDir()
	function := httptest.NewServer(&echoFunction{})
	t.Cleanup(function.Close)
	bindings := filepath.Join(dir, "bindings.yaml")
	if err := os.WriteFile(bindings, []byte("functions:\n  - resource: services/fault/functions/hold\n    http:\n      url: "+function.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	temporalAddr := reservePort(t)
	d := &faultDeployment{dir: dir, common: []string{"--temporal-address", temporalAddr, "--token-key", base64.StdEncoding.EncodeToString(key)}}
	d.server = d.process(t, &faultProcess{role: "server", args: []string{filepath.Join(dir, "temporal"), temporalAddr}, log: filepath.Join(dir, "server.log")})
	d.worker = d.process(t, &faultProcess{role: "worker", args: append(append([]string{"--functions", bindings}, d.common...), workerArgs...), log: filepath.Join(dir, "worker.log")})
	return d
}

// gateway returns a gateway process named name, on a port of its own.
func (d *faultDeployment) gateway(t *testing.T, name string, args ...string) *faultProcess {
	t.Helper()
	addr := reservePort(t)
	return d.process(t, &faultProcess{role: "gateway", args: append(append([]string{"--addr", addr}, d.common...), args...), httpAddr: addr, log: filepath.Join(d.dir, name+".log")})
}

// process has fp stopped when the test ends: registered after t.TempDir,
// so the process is gone before its directory is removed.
func (d *faultDeployment) process(t *testing.T, fp *faultProcess) *faultProcess {
	t.Cleanup(func() { fp.stop(t) })
	return fp
}

// reservePort returns a free 127.0.0.1:port for a child process to bind
// (freeport.Reserve).
func reservePort(t *testing.T) string {
	t.Helper()
	addr, err := freeport.ReserveLocal()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
