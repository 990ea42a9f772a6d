package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/gateway/mns"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
	"github.com/fnflow/fnflow/worker"
)

// The integration tests share the embedded Temporal server of testenv, one
// fnflow worker and two gateways (one open, one requiring signatures),
// started by the first test that needs them; the protocol tests of package
// gateway run without them. testenv.Main stops what was started.
var (
	envOnce sync.Once
	env     *testEnv
	envErr  error
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	taskQueue = "gateway-test"
	// parkWorkflow and parkActivity are the tests' own callback step: the
	// activity hands its signed token to the test and parks.
	parkWorkflow = "gateway.test.Park"
	parkActivity = "gateway.test.Park"
	// accessKeyID and accessKeySecret sign requests to the signed gateway.
	accessKeyID     = "testid"
	accessKeySecret = "testsecret"
)

type testEnv struct {
	temporal client.Client
	signer   *token.Signer
	// url is the gateway that checks no signatures, signedURL the one that
	// requires them.
	url       string
	signedURL string
	tokens    *tokenBox
	// cfg is the open gateway's configuration, for tests that need a
	// gateway of their own.
	cfg gateway.Config
}

// integration returns the shared environment, starting it on first use.
func integration(t *testing.T) *testEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the embedded Temporal server")
	}
	server := testenv.Start(t)
	envOnce.Do(func() { env, envErr = startEnv(server) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return env
}

// startEnv starts the package's worker, function and gateways on server.
func startEnv(server *testenv.Env) (*testEnv, error) {
	c, signer, quiet := server.Client, server.Signer, server.Logger
	e := &testEnv{temporal: c, signer: signer, tokens: &tokenBox{chans: map[string]chan string{}}}

	// The function callback flows call: it hands the token it is given to
	// the test waiting on the input's "key".
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var input struct{ Key, TaskToken string }
		_ = json.NewDecoder(r.Body).Decode(&input)
		e.tokens.deliver(input.Key, input.TaskToken)
		_, _ = w.Write([]byte("{}"))
	}))
	testenv.OnStop(fn.Close)
	bindings, err := activities.ParseBindings([]byte("functions:\n  - resource: services/test/functions/hand-over\n    http: {url: " + fn.URL + "}\n"))
	if err != nil {
		return nil, err
	}
	// The gateways' addresses are known before they serve, so that the
	// worker can name the signed gateway's certificate in the notifications
	// it signs, as a deployment's --push-cert-url does.
	open, signed := httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil)
	testenv.OnStop(open.Close)
	testenv.OnStop(signed.Close)
	keyDir, err := os.MkdirTemp("", "fnflow-gateway-test")
	if err != nil {
		return nil, err
	}
	testenv.OnStop(func() { os.RemoveAll(keyDir) })
	pushSigner, err := topics.LoadOrCreatePushSigner(keyDir, "http://"+signed.Listener.Addr().String()+mns.CertificatePath)
	if err != nil {
		return nil, err
	}
	// No step data limit: these tests take inputs and reports up to the
	// gateway's own 1 MiB through steps, far past the managed service's
	// 32 KiB; interpreter's tests hold steps to that.
	w := worker.New(c, worker.Config{Namespace: server.Namespace, TaskQueue: taskQueue, Functions: bindings, Tokens: signer, PushSigner: pushSigner, Logger: quiet, GroupSends: true,
		MaxStepData: interpreter.NoStepDataLimit})
	w.RegisterWorkflowWithOptions(park, workflow.RegisterOptions{Name: parkWorkflow})
	w.RegisterActivityWithOptions(func(ctx context.Context, key string) (map[string]any, error) {
		e.tokens.deliver(key, signer.Sign(activity.GetInfo(ctx).TaskToken))
		return nil, activity.ErrResultPending
	}, activity.RegisterOptions{Name: parkActivity})
	if err := w.Start(); err != nil {
		return nil, err
	}
	testenv.OnStop(w.Stop)

	cfg := gateway.Config{
		Temporal:  c,
		Namespace: server.Namespace,
		TaskQueue: taskQueue,
		Tokens:    signer,
		Flows:     flowstore.New(c, taskQueue),
		Queues:    queues.New(c, queues.Config{Namespace: server.Namespace, TaskQueue: taskQueue, Handles: signer, GroupSends: true}),
		Topics:    topics.New(c, topics.Config{TaskQueue: taskQueue}),
		// Served without a signature, for subscribers to check with.
		PushCertificatePEM: pushSigner.CertificatePEM(),
		Logger:             quiet,
	}
	e.cfg = cfg
	open.Config.Handler = gateway.New(cfg)
	open.Start()
	cfg.AccessKeys = acs.NewKeys(map[string]string{accessKeyID: accessKeySecret})
	signed.Config.Handler = gateway.New(cfg)
	signed.Start()
	e.url, e.signedURL = open.URL, signed.URL
	return e, nil
}

// park is one callback step: its result is what the report said.
func park(ctx workflow.Context, key string) (map[string]any, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		// A retry would mint a new token and invalidate the one handed out.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out map[string]any
	err := workflow.ExecuteActivity(ctx, parkActivity, key).Get(ctx, &out)
	return out, err
}

// tokenBox passes callback tokens from the steps that mint them to the tests
// that report them, by key.
type tokenBox struct {
	mu    sync.Mutex
	chans map[string]chan string
}

func (b *tokenBox) ch(key string) chan string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.chans[key] == nil {
		b.chans[key] = make(chan string, 8)
	}
	return b.chans[key]
}

func (b *tokenBox) deliver(key, tok string) { b.ch(key) <- tok }

func (b *tokenBox) next(t *testing.T, key string) string {
	t.Helper()
	select {
	case tok := <-b.ch(key):
		return tok
	case <-time.After(30 * time.Second):
		t.Fatalf("no task token for %s", key)
		return ""
	}
}

// call sends an action in Alibaba's RPC form, the way the SDKs do: Action and
// Version in the query, the parameters as a form body.
func (e *testEnv) call(t *testing.T, action string, params ...string) reply {
	t.Helper()
	values := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		values.Set(params[i], params[i+1])
	}
	req, err := http.NewRequest("POST", e.url+"/?Action="+action+"&Version=2019-03-15", strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

// get sends an action as a GET with every parameter in the query.
func (e *testEnv) get(t *testing.T, action string, params ...string) reply {
	t.Helper()
	values := url.Values{"Action": {action}}
	for i := 0; i+1 < len(params); i += 2 {
		values.Set(params[i], params[i+1])
	}
	req, err := http.NewRequest("GET", e.url+"/?"+values.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// callJSON sends the plain JSON form.
func (e *testEnv) callJSON(t *testing.T, body string) reply {
	t.Helper()
	req, err := http.NewRequest("POST", e.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

// reply is a gateway's answer.
type reply struct {
	status int
	body   map[string]any
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("reply is not JSON: %v", err)
	}
	if id, _ := body["RequestId"].(string); id == "" {
		t.Errorf("reply without RequestId: %v", body)
	}
	return reply{resp.StatusCode, body}
}

// ok fails the test unless the reply is a 200.
func ok(t *testing.T, r reply) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %v", r.status, r.body)
	}
	return r.body
}

// wantError fails the test unless the reply is the given error.
func wantError(t *testing.T, r reply, wantStatus int, wantCode string) {
	t.Helper()
	if r.status != wantStatus || r.body["Code"] != wantCode {
		t.Fatalf("got %d %v, want %d %s", r.status, r.body, wantStatus, wantCode)
	}
}

var wireTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func checkTime(t *testing.T, body map[string]any, field string) {
	t.Helper()
	if s, _ := body[field].(string); !wireTime.MatchString(s) {
		t.Errorf("%s = %v, want a time like 2019-01-01T01:01:01.001Z", field, body[field])
	}
}

func jsonText(t *testing.T, v any) map[string]any {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is %T, want a JSON string", v, v)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return m
}

func (e *testEnv) createFlow(t *testing.T, name, definition string) {
	t.Helper()
	ok(t, e.call(t, "CreateFlow", "Name", name, "Definition", definition, "Type", "FDL", "Description", "test"))
}

const passFlow = `version: v1
type: flow
steps:
  - type: pass
    name: p
outputMappings:
  - target: got
    source: $input.a
`

// callbackFlow hands its token, with the input's key, to the test's function
// and waits for the report.
const callbackFlow = `version: v1
type: flow
steps:
  - type: task
    name: wait_here
    resourceArn: acs:fc:::services/test/functions/hand-over
    pattern: waitForCallback
    inputMappings:
      - target: key
        source: $input.key
      - target: taskToken
        source: $context.task.token
    outputMappings:
      - target: s
        source: $local.status
`

func TestFlowActions(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	created := ok(t, e.call(t, "CreateFlow", "Name", flow, "Definition", passFlow, "Type", "FDL", "Description", "first", "RoleArn", "acs:ram::1:role/x"))
	for field, want := range map[string]any{"Name": flow, "Definition": passFlow, "Description": "first", "Type": "FDL", "RoleArn": "acs:ram::1:role/x", "ExecutionMode": "Standard"} {
		if created[field] != want {
			t.Errorf("CreateFlow %s = %v, want %v", field, created[field], want)
		}
	}
	if id, _ := created["Id"].(string); len(id) != 36 {
		t.Errorf("Id %v, want a UUID", created["Id"])
	}
	checkTime(t, created, "CreatedTime")
	checkTime(t, created, "LastModifiedTime")

	wantError(t, e.call(t, "CreateFlow", "Name", flow, "Definition", passFlow), 409, "FlowAlreadyExists")

	described := ok(t, e.get(t, "DescribeFlow", "Name", flow))
	for _, field := range []string{"Id", "Name", "Definition", "Description", "Type", "RoleArn", "ExecutionMode", "CreatedTime", "LastModifiedTime"} {
		if described[field] != created[field] {
			t.Errorf("DescribeFlow %s = %v, CreateFlow said %v", field, described[field], created[field])
		}
	}

	// Only what is given changes.
	updated := ok(t, e.call(t, "UpdateFlow", "Name", flow, "Description", "second"))
	if updated["Description"] != "second" || updated["Definition"] != passFlow || updated["Id"] != created["Id"] || updated["CreatedTime"] != created["CreatedTime"] {
		t.Errorf("UpdateFlow: %v", updated)
	}
	wantError(t, e.call(t, "UpdateFlow", "Name", flow, "Definition", "version: v1\ntype: flow\nsteps: []\nbogus: ["), 400, "InvalidArgument")

	testenv.Eventually(t, "ListFlows shows the flow", 10*time.Second, func() error {
		list := ok(t, e.get(t, "ListFlows", "Limit", "1000"))
		flows, _ := list["Flows"].([]any)
		for _, f := range flows {
			if f := f.(map[string]any); f["Name"] == flow && f["Description"] == "second" {
				return nil
			}
		}
		return fmt.Errorf("not in %v", flows)
	})

	ok(t, e.call(t, "DeleteFlow", "Name", flow))
	wantError(t, e.get(t, "DescribeFlow", "Name", flow), 404, "FlowNotExists")
	wantError(t, e.call(t, "DeleteFlow", "Name", flow), 404, "FlowNotExists")
	wantError(t, e.call(t, "UpdateFlow", "Name", flow, "Description", "third"), 404, "FlowNotExists")
	wantError(t, e.call(t, "StartExecution", "FlowName", flow), 404, "FlowNotExists")
}

func TestListFlowsPages(t *testing.T) {
	e := integration(t)
	prefix := testenv.ResourceName(t, "-")
	for _, name := range []string{prefix + "a", prefix + "b", prefix + "c"} {
		e.createFlow(t, name, passFlow)
	}
	testenv.Eventually(t, "paging through every flow, two at a time", 10*time.Second, func() error {
		seen := map[string]bool{}
		next := ""
		for {
			list := ok(t, e.get(t, "ListFlows", "Limit", "2", "NextToken", next))
			flows := list["Flows"].([]any)
			if len(flows) > 2 {
				return fmt.Errorf("a page of %d", len(flows))
			}
			for _, f := range flows {
				seen[f.(map[string]any)["Name"].(string)] = true
			}
			if next, _ = list["NextToken"].(string); next == "" {
				break
			}
		}
		if !seen[prefix+"a"] || !seen[prefix+"b"] || !seen[prefix+"c"] {
			return fmt.Errorf("saw %v", seen)
		}
		return nil
	})
	wantError(t, e.get(t, "ListFlows", "NextToken", "bm90IGEgdG9rZW4"), 400, "InvalidArgument")
}

func TestExecutionRunsToTheEnd(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	started := ok(t, e.callJSON(t, `{"Action":"StartExecution","FlowName":"`+flow+`","ExecutionName":"run1","Input":{"a":1}}`))
	if started["Name"] != "run1" || started["FlowName"] != flow || started["FlowDefinition"] != passFlow {
		t.Errorf("StartExecution: %v", started)
	}
	if in := jsonText(t, started["Input"]); in["a"] != 1.0 {
		t.Errorf("Input %v", started["Input"])
	}
	checkTime(t, started, "StartedTime")

	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "run1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" {
		t.Fatalf("DescribeExecution: %v", done)
	}
	if out := jsonText(t, done["Output"]); out["got"] != 1.0 {
		t.Errorf("Output %v", done["Output"])
	}
	checkTime(t, done, "StoppedTime")
	if done["StartedTime"] != started["StartedTime"] {
		t.Errorf("StartedTime %v, StartExecution said %v", done["StartedTime"], started["StartedTime"])
	}

	wantError(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "run1"), 400, "ExecutionAlreadyExists")
	wantError(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "run2"), 404, "ExecutionNotExists")
	wantError(t, e.get(t, "DescribeExecution", "FlowName", "nope", "ExecutionName", "run1"), 404, "FlowNotExists")

	// Without a name, one is made up that follows the naming rule; without
	// an input, the input is {}.
	unnamed := ok(t, e.call(t, "StartExecution", "FlowName", flow))
	if name, _ := unnamed["Name"].(string); !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`).MatchString(name) {
		t.Errorf("generated name %q", name)
	}
	if unnamed["Input"] != "{}" {
		t.Errorf("Input %v, want {}", unnamed["Input"])
	}
}

func TestExecutionHistory(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "h1", "Input", `{"a":"x"}`))
	ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "h1", "WaitTimeSeconds", "30"))

	all := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "h1"))
	events := all["Events"].([]any)
	if len(events) < 3 || all["NextToken"] != nil {
		t.Fatalf("history: %v", all)
	}
	first, last := events[0].(map[string]any), events[len(events)-1].(map[string]any)
	if first["EventId"] != 1.0 || first["Type"] != "ExecutionStarted" || first["ScheduleEventId"] != 0.0 {
		t.Errorf("first event %v", first)
	}
	if detail := jsonText(t, first["EventDetail"]); detail["input"].(map[string]any)["a"] != "x" {
		t.Errorf("ExecutionStarted detail %v", first["EventDetail"])
	}
	checkTime(t, first, "Time")
	if last["Type"] != "ExecutionSucceeded" || last["EventId"] != float64(len(events)) {
		t.Errorf("last event %v", last)
	}

	// Pages of two, each NextToken the last EventId given.
	var paged []any
	next := ""
	for range len(events) {
		page := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "h1", "Limit", "2", "NextToken", next))
		paged = append(paged, page["Events"].([]any)...)
		if next, _ = page["NextToken"].(string); next == "" {
			break
		}
		if want := fmt.Sprint(len(paged)); next != want {
			t.Errorf("NextToken %q, want %s", next, want)
		}
	}
	if fmt.Sprint(paged) != fmt.Sprint(events) {
		t.Errorf("paged history differs:\n%v\n%v", paged, events)
	}
}

// TestWaitOutlastsMissedNotification: when the long poll for a workflow's
// result misses the news that it ended, DescribeExecution with
// WaitTimeSeconds still answers soon after the end, not when the wait is over.
func TestWaitOutlastsMissedNotification(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	cfg := e.cfg
	cfg.Temporal = deafToEndings{e.temporal}
	deafServer := httptest.NewServer(gateway.New(cfg))
	defer deafServer.Close()
	deaf := &testEnv{url: deafServer.URL}
	e.createFlow(t, flow, callbackFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "d1", "Input", `{"key":"`+flow+`/d1"}`))
	tok := e.tokens.next(t, flow+"/d1")

	// The report comes once the wait below has begun its long poll.
	reported := make(chan error, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		body := url.Values{"TaskToken": {tok}, "Output": {`{"status":"ok"}`}}.Encode()
		resp, err := http.Post(e.url+"/?Action=ReportTaskSucceeded", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("ReportTaskSucceeded: HTTP %d", resp.StatusCode)
			}
		}
		reported <- err
	}()
	began := time.Now()
	got := ok(t, deaf.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "d1", "WaitTimeSeconds", "60"))
	elapsed := time.Since(began)
	if err := <-reported; err != nil {
		t.Fatal(err)
	}
	if got["Status"] != "Succeeded" {
		t.Fatalf("DescribeExecution: %v", got)
	}
	// Without the rounds the answer comes at the end of the 60 s wait.
	if elapsed > 20*time.Second {
		t.Errorf("DescribeExecution answered %v after the start of its wait", elapsed)
	}
}

// deafToEndings is a Temporal client whose waits for a workflow's result never
// hear that it ended: they last until their context ends, as a long poll
// that missed the server's notification.
type deafToEndings struct{ client.Client }

func (c deafToEndings) GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun {
	return deafRun{c.Client.GetWorkflow(ctx, workflowID, runID)}
}

type deafRun struct{ client.WorkflowRun }

func (deafRun) Get(ctx context.Context, _ any) error {
	<-ctx.Done()
	return ctx.Err()
}

func (r deafRun) GetWithOptions(ctx context.Context, valuePtr any, _ client.WorkflowRunGetOptions) error {
	return r.Get(ctx, valuePtr)
}

func TestCallbackExecution(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	started := ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "c1", "Input", `{"key":"`+flow+`/c1"}`))
	tok := e.tokens.next(t, flow+"/c1")

	// The same name while it runs: the running execution, not a new one.
	again := ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "c1", "Input", `{"key":"other"}`))
	if again["Status"] != "Running" || again["StartedTime"] != started["StartedTime"] || again["Input"] != started["Input"] {
		t.Errorf("second start: %v, first %v", again, started)
	}

	reported := ok(t, e.callJSON(t, `{"Action":"ReportTaskSucceeded","TaskToken":"`+tok+`","Output":{"status":"ok"}}`))
	// The event the report produced; TestReportEventIds checks it against
	// the history.
	if id, _ := reported["EventId"].(float64); id < 4 {
		t.Errorf("EventId %v, want the TaskSucceeded event's", reported["EventId"])
	}
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "c1", "WaitTimeSeconds", "30"))
	if done["Status"] != "Succeeded" || done["Output"] != `{"s":"ok"}` {
		t.Errorf("DescribeExecution: %v", done)
	}
	wantError(t, e.callJSON(t, `{"Action":"ReportTaskSucceeded","TaskToken":"`+tok+`","Output":{"status":"again"}}`), 400, "TaskAlreadyCompleted")

	var types []string
	for _, ev := range ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "c1"))["Events"].([]any) {
		types = append(types, ev.(map[string]any)["Type"].(string))
	}
	for _, want := range []string{"TaskScheduled", "TaskSubmitted", "TaskSucceeded", "ExecutionSucceeded"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("history %v has no %s", types, want)
		}
	}
}

func TestStopExecution(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "s1", "Input", `{"key":"`+flow+`/s1"}`))
	tok := e.tokens.next(t, flow+"/s1")

	stopped := ok(t, e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "s1", "Error", "Operator.Stop", "Cause", "no longer needed"))
	if stopped["Status"] != "Stopped" {
		t.Errorf("StopExecution: %v", stopped)
	}
	checkTime(t, stopped, "StoppedTime")
	wantError(t, e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "s1"), 400, "ExecutionAlreadyCompleted")
	wantError(t, e.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", "{}"), 400, "TaskAlreadyCompleted")

	events := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "s1"))["Events"].([]any)
	last := events[len(events)-1].(map[string]any)
	if last["Type"] != "ExecutionStopped" || last["EventId"] != float64(len(events)) {
		t.Fatalf("last event %v", last)
	}
	if detail := jsonText(t, last["EventDetail"]); detail["error"] != "Operator.Stop" || detail["cause"] != "no longer needed" {
		t.Errorf("ExecutionStopped detail %v", last["EventDetail"])
	}
}

func TestExecutionTimesOut(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, "timeoutSeconds: 1\n"+callbackFlow)
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "t1", "Input", `{"key":"`+flow+`/t1"}`))
	e.tokens.next(t, flow+"/t1")
	done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "t1", "WaitTimeSeconds", "30"))
	if done["Status"] != "TimedOut" {
		t.Fatalf("DescribeExecution: %v", done)
	}
	events := ok(t, e.get(t, "GetExecutionHistory", "FlowName", flow, "ExecutionName", "t1"))["Events"].([]any)
	if last := events[len(events)-1].(map[string]any); last["Type"] != "ExecutionTimedOut" {
		t.Errorf("last event %v", last)
	}
}

func TestListExecutions(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, callbackFlow)
	for _, name := range []string{"a1", "a2", "b1"} {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", `{"key":"`+flow+"/"+name+`"}`))
		e.tokens.next(t, flow+"/"+name)
	}
	ok(t, e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "b1"))
	t.Cleanup(func() {
		e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "a1")
		e.call(t, "StopExecution", "FlowName", flow, "ExecutionName", "a2")
	})

	names := func(params ...string) (string, error) {
		list := ok(t, e.get(t, "ListExecutions", append([]string{"FlowName", flow}, params...)...))
		var got []string
		for _, x := range list["Executions"].([]any) {
			x := x.(map[string]any)
			if x["FlowName"] != flow || !wireTime.MatchString(x["StartedTime"].(string)) {
				return "", fmt.Errorf("item %v", x)
			}
			got = append(got, x["Name"].(string)+":"+x["Status"].(string))
		}
		slices.Sort(got)
		return strings.Join(got, " "), nil
	}
	for _, tt := range []struct {
		params []string
		want   string
	}{
		{nil, "a1:Running a2:Running b1:Stopped"},
		{[]string{"ExecutionNamePrefix", "a"}, "a1:Running a2:Running"},
		{[]string{"Status", "Stopped"}, "b1:Stopped"},
		{[]string{"Status", "Running", "ExecutionNamePrefix", "a2"}, "a2:Running"},
		{[]string{"Status", "Succeeded"}, ""},
		{[]string{"Status", "Starting"}, ""},
		{[]string{"StartedTimeBegin", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, ""},
		{[]string{"StartedTimeEnd", time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")}, "a1:Running a2:Running b1:Stopped"},
	} {
		testenv.Eventually(t, fmt.Sprintf("ListExecutions %v", tt.params), 10*time.Second, func() error {
			got, err := names(tt.params...)
			if err == nil && got != tt.want {
				err = fmt.Errorf("got %q, want %q", got, tt.want)
			}
			return err
		})
	}

	// One at a time.
	var paged []string
	next := ""
	for range 4 {
		page := ok(t, e.get(t, "ListExecutions", "FlowName", flow, "Limit", "1", "NextToken", next))
		for _, x := range page["Executions"].([]any) {
			paged = append(paged, x.(map[string]any)["Name"].(string))
		}
		if next, _ = page["NextToken"].(string); next == "" {
			break
		}
	}
	if slices.Sort(paged); strings.Join(paged, " ") != "a1 a2 b1" {
		t.Errorf("pages of one gave %v", paged)
	}
}
