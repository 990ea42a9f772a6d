package gateway_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/testenv"
)

// consoleGateway is a gateway with the console on, requiring the test's
// access key.
func consoleGateway(t *testing.T, e *testEnv) string {
	t.Helper()
	cfg := e.cfg
	cfg.Console = true
	cfg.AccessKeys = acs.NewKeys(map[string]string{accessKeyID: accessKeySecret})
	srv := httptest.NewServer(gateway.New(cfg))
	t.Cleanup(srv.Close)
	return srv.URL
}

// page gets a console page as a browser signed in would.
func page(t *testing.T, base, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(accessKeyID, accessKeySecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// post sends a console form from the console's own page, as a browser does.
func post(t *testing.T, base, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(accessKeyID, accessKeySecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// startWaiting starts an execution of callbackFlow and waits until the
// console shows its step waiting for a report. It returns the step's token.
func startWaiting(t *testing.T, e *testEnv, base, flow, name string) string {
	t.Helper()
	key := flow + "/" + name
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", fmt.Sprintf(`{"key":%q}`, key)))
	tok := e.tokens.next(t, key)
	testenv.Eventually(t, "the console shows the step waiting", 10*time.Second, func() error {
		if _, body := page(t, base, "/console/flows/"+flow+"/executions/"+name); !strings.Contains(body, ">Approve</button>") {
			return fmt.Errorf("no Approve button in %s", body)
		}
		return nil
	})
	return tok
}

func TestConsolePages(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	base := consoleGateway(t, e)
	e.createFlow(t, flow, callbackFlow)
	tok := startWaiting(t, e, base, flow, "run1")

	status, body := page(t, base, "/console/flows/"+flow+"/executions/run1")
	for _, want := range []string{"status-Running", "<svg", `data-state="waiting"`, "wait_here", "TaskSubmitted", `&#34;taskToken&#34;:&#34;(hidden)&#34;`, `&#34;key&#34;: &#34;` + flow + `/run1&#34;`} {
		if !strings.Contains(body, want) {
			t.Errorf("execution page (status %d) lacks %s:\n%s", status, want, body)
		}
	}
	if strings.Contains(body, tok) {
		t.Errorf("the execution page shows the task token")
	}
	testenv.Eventually(t, "the flow and its running execution are listed", 10*time.Second, func() error {
		if _, body := page(t, base, "/console/"); !strings.Contains(body, `href="/console/flows/`+flow+`"`) || !strings.Contains(body, "data:image/svg") {
			return fmt.Errorf("flows page: %s", body)
		}
		if _, body := page(t, base, "/console/flows/"+flow+"?status=Running"); !strings.Contains(body, `href="/console/flows/`+flow+`/executions/run1"`) {
			return fmt.Errorf("flow page, Running: %s", body)
		}
		if _, body := page(t, base, "/console/inbox"); !strings.Contains(body, "/console/flows/"+flow+"/executions/run1/tasks/") {
			return fmt.Errorf("inbox: %s", body)
		}
		return nil
	})
	for _, filter := range []string{"Succeeded", "Starting"} {
		_, body := page(t, base, "/console/flows/"+flow+"?status="+filter)
		if strings.Contains(body, "executions/run1") {
			t.Errorf("the %s filter lists an execution a worker runs:\n%s", filter, body)
		}
		if !strings.Contains(body, `href="/console/flows/`+flow+`?status=Starting"`) {
			t.Errorf("the flow page offers no Starting filter, for executions no worker has begun:\n%s", body)
		}
	}
	if status, _ := page(t, base, "/console/flows/"+flow+"?status=Bogus"); status != http.StatusBadRequest {
		t.Errorf("an unknown status filter: %d, want 400", status)
	}
	if status, _ := page(t, base, "/console/flows/no_such_flow"); status != http.StatusNotFound {
		t.Errorf("a flow that does not exist: %d, want 404", status)
	}
}

// nextLink is the path of a console page's link to its next page, "" when
// it has none.
var nextLink = regexp.MustCompile(`href="(/console/[^"]*)" rel="next"`)

// pagesOf follows a console list from path to its last page, and returns
// the pages' bodies.
func pagesOf(t *testing.T, base, path string) []string {
	t.Helper()
	var bodies []string
	for path != "" {
		status, body := page(t, base, path)
		if status != http.StatusOK {
			t.Fatalf("%s: status %d:\n%s", path, status, body)
		}
		bodies = append(bodies, body)
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if len(bodies) > 50 {
			t.Fatalf("more than 50 pages from %s", path)
		}
	}
	return bodies
}

// TestConsolePagesThroughLists: the flows page and a flow's executions
// show 100 a page, each page linking to the next, the executions' links
// keeping the status filter; every flow and execution is on one page, none
// on two. A link whose token was cut is refused.
func TestConsolePagesThroughLists(t *testing.T) {
	e := integration(t)
	base := consoleGateway(t, e)
	run := testenv.ResourceName(t, "-")
	const many = 101 // one past a page
	for i := range many {
		e.createFlow(t, fmt.Sprintf("%s%03d", run, i), passFlow)
	}
	flow := run + "000"
	for i := range many {
		ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", fmt.Sprintf("e%03d", i), "Input", `{"a":1}`))
	}

	count := func(bodies []string, link *regexp.Regexp) map[string]int {
		seen := map[string]int{}
		for _, body := range bodies {
			for _, m := range link.FindAllStringSubmatch(body, -1) {
				seen[m[1]]++
			}
		}
		return seen
	}
	flowLink := regexp.MustCompile(`<a href="/console/flows/(` + regexp.QuoteMeta(run) + `\d+)">`)
	testenv.Eventually(t, "every flow listed once", 30*time.Second, func() error {
		bodies := pagesOf(t, base, "/console/")
		if len(bodies) < 2 {
			return fmt.Errorf("%d page", len(bodies))
		}
		for i, body := range bodies {
			if n := strings.Count(body, `<a href="/console/flows/`); n > 100 {
				return fmt.Errorf("page %d lists %d flows", i+1, n)
			}
			if later := strings.Contains(body, `<a href="/console/">First page</a>`); later != (i > 0) {
				return fmt.Errorf("page %d: link to the first page %v", i+1, later)
			}
		}
		seen := count(bodies, flowLink)
		for i := range many {
			if name := fmt.Sprintf("%s%03d", run, i); seen[name] != 1 {
				return fmt.Errorf("flow %s listed %d times", name, seen[name])
			}
		}
		return nil
	})

	executionLink := regexp.MustCompile(`<a href="/console/flows/` + regexp.QuoteMeta(flow) + `/executions/(e\d+)">`)
	for _, filter := range []string{"", "?status=Succeeded"} {
		testenv.Eventually(t, "every execution listed once"+filter, 30*time.Second, func() error {
			bodies := pagesOf(t, base, "/console/flows/"+flow+filter)
			if len(bodies) != 2 {
				return fmt.Errorf("%d pages", len(bodies))
			}
			if n := len(executionLink.FindAllString(bodies[0], -1)); n != 100 {
				return fmt.Errorf("the first page lists %d executions", n)
			}
			if !strings.Contains(bodies[1], `href="/console/flows/`+flow+filter+`">Newest</a>`) {
				return fmt.Errorf("the second page has no link to the newest:\n%s", bodies[1])
			}
			if filter != "" && !strings.Contains(nextLink.FindString(bodies[0]), "status=Succeeded&amp;next=") {
				return fmt.Errorf("the link to the next page drops the filter: %s", nextLink.FindString(bodies[0]))
			}
			seen := count(bodies, executionLink)
			for i := range many {
				if name := fmt.Sprintf("e%03d", i); seen[name] != 1 {
					return fmt.Errorf("execution %s listed %d times", name, seen[name])
				}
			}
			return nil
		})
	}

	first := pagesOf(t, base, "/console/flows/"+flow)[0]
	next := html.UnescapeString(nextLink.FindStringSubmatch(first)[1])
	for _, cut := range []string{next[:len(next)-3], "/console/?next=" + strings.SplitN(next, "next=", 2)[1][3:]} {
		if status, body := page(t, base, cut); status != http.StatusBadRequest || !strings.Contains(body, "the link to the next page is not valid") {
			t.Errorf("%s: status %d, want 400 and why:\n%s", cut, status, body)
		}
	}
}

// TestConsoleInboxPagesThroughEveryFlow: the inbox lists the waiting steps
// of every flow, also of flows older than the 100 newest, a page at a time
// (a page looks into 50 running executions), each step on one page only.
func TestConsoleInboxPagesThroughEveryFlow(t *testing.T) {
	e := integration(t)
	base := consoleGateway(t, e)
	run := testenv.ResourceName(t, "-")
	const perFlow = 30 // two flows' worth is more than a page looks into
	var waiting []string
	for _, flow := range []string{run + "a", run + "b"} {
		e.createFlow(t, flow, callbackFlow)
		for i := range perFlow {
			name := fmt.Sprintf("e%02d", i)
			ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", name, "Input", fmt.Sprintf(`{"key":%q}`, flow+"/"+name)))
			waiting = append(waiting, flow+"/executions/"+name)
		}
	}
	for _, w := range waiting {
		e.tokens.next(t, strings.Replace(w, "/executions/", "/", 1))
	}
	// Newer flows than these two: the inbox once read only the 100 newest.
	for i := range 100 {
		e.createFlow(t, fmt.Sprintf("%snewer-%03d", run, i), passFlow)
	}

	task := regexp.MustCompile(`action="/console/flows/(` + regexp.QuoteMeta(run) + `[ab]/executions/e\d+)/tasks/[^"/]+/approve"`)
	testenv.Eventually(t, "every waiting step in the inbox once", 60*time.Second, func() error {
		bodies := pagesOf(t, base, "/console/inbox")
		if len(bodies) < 2 {
			return fmt.Errorf("%d page", len(bodies))
		}
		seen := map[string]int{}
		for i, body := range bodies {
			if later := strings.Contains(body, `<a href="/console/inbox">First page</a>`); later != (i > 0) {
				return fmt.Errorf("page %d: link to the first page %v", i+1, later)
			}
			for _, m := range task.FindAllStringSubmatch(body, -1) {
				seen[m[1]]++
			}
		}
		for _, w := range waiting {
			if seen[w] != 1 {
				return fmt.Errorf("%s in the inbox %d times (of %d pages)", w, seen[w], len(bodies))
			}
		}
		return nil
	})
	if status, body := page(t, base, "/console/inbox?next=abc"); status != http.StatusBadRequest || !strings.Contains(body, "the link to the next page is not valid") {
		t.Errorf("a made-up link: status %d, want 400 and why:\n%s", status, body)
	}
}

// TestConsolePagesThroughAHistory: an execution's page shows its history
// 1000 events a page, linked, and draws its picture and its error from the
// whole history, not from the events of the page.
func TestConsolePagesThroughAHistory(t *testing.T) {
	e := integration(t)
	base := consoleGateway(t, e)
	flow := testenv.ResourceName(t, "")
	// 300 iterations of two pass steps, 300 × (2 + 2 × 2) events, then a
	// fail step: its events come after the first 1000.
	e.createFlow(t, flow, `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: pass
        name: one
      - type: pass
        name: two
  - type: fail
    name: give_up
    error: GaveUp
    cause: the end of a long history
`)
	items := make([]string, 300)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	ok(t, e.call(t, "StartExecution", "FlowName", flow, "ExecutionName", "long", "Input", `{"items":[`+strings.Join(items, ",")+`]}`))
	if done := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "long", "WaitTimeSeconds", "60")); done["Status"] != "Failed" {
		t.Fatalf("DescribeExecution: %.300v", done)
	}

	bodies := pagesOf(t, base, "/console/flows/"+flow+"/executions/long")
	row := regexp.MustCompile(`<tr><td>(\d+)</td>`)
	var ids []int
	for i, body := range bodies {
		rows := row.FindAllStringSubmatch(body, -1)
		if i < len(bodies)-1 && len(rows) != 1000 {
			t.Errorf("page %d has %d events, want 1000", i+1, len(rows))
		}
		for _, m := range rows {
			id, _ := strconv.Atoi(m[1])
			ids = append(ids, id)
		}
		if later := strings.Contains(body, `>First events</a>`); later != (i > 0) {
			t.Errorf("page %d: link to the first events %v", i+1, later)
		}
		// Every page draws the whole history: the fail step, past the first
		// 1000 events, failed; and says how the execution ended.
		if !strings.Contains(body, `data-path="give_up" data-state="failed"`) || !strings.Contains(body, "<code>GaveUp</code>") {
			t.Errorf("page %d does not show the fail step failed and its error GaveUp", i+1)
		}
	}
	if len(bodies) != 2 || len(ids) != 1806 {
		t.Fatalf("%d pages of %d events, want 2 pages of 1806", len(bodies), len(ids))
	}
	for i, id := range ids {
		if id != i+1 {
			t.Fatalf("event %d of the pages has ID %d", i+1, id)
		}
	}
	for _, bad := range []string{"-1", "x"} {
		if status, _ := page(t, base, "/console/flows/"+flow+"/executions/long?after="+bad); status != http.StatusBadRequest {
			t.Errorf("after=%s: status %d, want 400", bad, status)
		}
	}
}

// taskPath is the path of the first waiting step's forms on a page.
func taskPath(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `action="/console/flows/`)
	if start < 0 {
		t.Fatalf("no task form in %s", body)
	}
	action := body[start+len(`action="`):]
	return action[:strings.Index(action, `/approve"`)]
}

func TestConsoleApproveAndReject(t *testing.T) {
	e := integration(t)
	flow := testenv.ResourceName(t, "")
	base := consoleGateway(t, e)
	e.createFlow(t, flow, callbackFlow)
	execPath := "/console/flows/" + flow + "/executions/"

	startWaiting(t, e, base, flow, "yes")
	_, body := page(t, base, execPath+"yes")
	task := taskPath(t, body)
	if resp := post(t, base, task+"/approve", url.Values{"output": {`{"status": "approved", "n": 1e400}`}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an output with a number past a float64: %d, want 400", resp.StatusCode)
	}
	if resp := post(t, base, task+"/approve", url.Values{"output": {`[1]`}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an output that is not an object: %d, want 400", resp.StatusCode)
	}
	resp := post(t, base, task+"/approve", url.Values{"output": {`{"status": "approved"}`}, "from": {"inbox"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/inbox" {
		t.Fatalf("approve: %d to %q, want 303 to the inbox", resp.StatusCode, resp.Header.Get("Location"))
	}
	described := ok(t, e.get(t, "DescribeExecution", "FlowName", flow, "ExecutionName", "yes", "WaitTimeSeconds", "10"))
	if described["Status"] != "Succeeded" || jsonText(t, described["Output"])["s"] != "approved" {
		t.Errorf("approved: %v", described)
	}
	if resp := post(t, base, task+"/approve", url.Values{"output": {`{}`}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("approving again: %d, want 409", resp.StatusCode)
	}

	startWaiting(t, e, base, flow, "no")
	_, body = page(t, base, execPath+"no")
	resp = post(t, base, taskPath(t, body)+"/reject", url.Values{"error": {"Rejected"}, "cause": {"not this time"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != execPath+"no" {
		t.Fatalf("reject: %d to %q, want 303 to the execution", resp.StatusCode, resp.Header.Get("Location"))
	}
	testenv.Eventually(t, "the execution page shows the rejection", 10*time.Second, func() error {
		if _, body := page(t, base, execPath+"no"); !strings.Contains(body, "status-Failed") || !strings.Contains(body, "<code>Rejected</code>") || !strings.Contains(body, "not this time") {
			return fmt.Errorf("execution page: %s", body)
		}
		return nil
	})
}

func TestConsoleOff(t *testing.T) {
	e := integration(t)
	srv := httptest.NewServer(gateway.New(e.cfg))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("a gateway with the console off served /console/: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestConsoleInBrowser is the console as a person uses it, in Debian's
// chromium: open an execution that waits, click Approve, see it succeed.
func TestConsoleInBrowser(t *testing.T) {
	e := integration(t)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("this test drives Debian's chromium (apt-get install -y chromium; .ci/run installs it):", err)
	}
	flow := testenv.ResourceName(t, "")
	base := consoleGateway(t, e)
	e.createFlow(t, flow, callbackFlow)
	startWaiting(t, e, base, flow, "run1")

	allocator, cancel := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox)...)
	defer cancel()
	browser, cancel := chromedp.NewContext(allocator)
	defer cancel()
	// The first call starts the browser and holds it: no timeout on it.
	if _, err := chromedp.Call(browser, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, time.Minute)
	defer cancel()
	credentials := base64.StdEncoding.EncodeToString([]byte(accessKeyID + ":" + accessKeySecret))
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Basic " + credentials}}); err != nil {
		t.Fatal(err)
	}
	screenshot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, target)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(t.ArtifactDir(), name+".png"), png, 0o644)
		})
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/flows/"+flow+"/executions/run1"),
		chromedp.WaitVisible(`form.approve button`),
		screenshot("waiting"),
		chromedp.SetValue(`form.approve textarea`, `{"status": "approved in the browser"}`),
		chromedp.Click(`form.approve button`),
		// Approve leads back to the execution once it has recorded the report.
		chromedp.WaitVisible(`h1 .status-Succeeded`),
		screenshot("approved"),
	)
	if err != nil {
		t.Fatal(err)
	}
	output, err := chromedp.Run(ctx, chromedp.Text(`.io section:nth-child(2) pre`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(output, `"s": "approved in the browser"`) {
		t.Errorf("the page shows the output %q", output)
	}
	for _, path := range []string{"/console/", "/console/flows/" + flow, "/console/inbox"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), screenshot(strings.NewReplacer("/", "_").Replace(strings.Trim(path, "/")))); err != nil {
			t.Fatal(err)
		}
	}
}
