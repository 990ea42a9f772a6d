package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/devserver/freeport"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/token"
)

// records keeps the log records a gateway writes.
type records struct {
	mu   sync.Mutex
	list []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec.Clone())
	return nil
}

func (r *records) all() []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]slog.Record(nil), r.list...)
}

func attrsOf(rec slog.Record) map[string]slog.Value {
	attrs := map[string]slog.Value{}
	rec.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value
		return true
	})
	return attrs
}

// closedTemporal is a client of a Temporal that is not there: its port was
// free when asked and nothing listens on it.
func closedTemporal(t *testing.T) client.Client {
	t.Helper()
	// Reserved, so that no other process is given the port meanwhile.
	addr, err := freeport.ReserveLocal()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewLazyClient(client.Options{HostPort: addr, Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestProbes(t *testing.T) {
	logs := &records{}
	s := New(Config{Temporal: closedTemporal(t), Namespace: "default", Tokens: offlineServer(t).cfg.Tokens, Logger: slog.New(logs)})
	probe := func(method, path string) (int, string) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w.Code, w.Body.String()
	}
	if status, body := probe("GET", "/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("liveness: got %d %q, want 200 ok: the process serves", status, body)
	}
	for range 2 {
		if status, body := probe("GET", "/readyz"); status != 503 || body != "Temporal is not reachable\n" {
			t.Errorf("readiness with Temporal unreachable: got %d %q, want 503", status, body)
		}
	}
	if status, _ := probe("POST", "/healthz"); status != http.StatusMethodNotAllowed {
		t.Errorf("a probe is a GET or HEAD: POST got %d", status)
	}
	if status, body := probe("HEAD", "/healthz"); status != 200 || body != "" {
		t.Errorf("HEAD: got %d %q", status, body)
	}
	var warnings int
	for _, rec := range logs.all() {
		if rec.Level == slog.LevelWarn && strings.Contains(rec.Message, "not ready") {
			warnings++
		}
		if rec.Message == "request" {
			t.Errorf("probes are neither logged nor counted as requests: %v", rec)
		}
	}
	if warnings != 1 {
		t.Errorf("want one warning when readiness is lost, not one a probe; got %d", warnings)
	}
}

// gathered is what reg holds: for each metric, the value of each series
// (a histogram's count of observations) by its labels, written
// name="value",... in label order.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, f := range families {
		out[f.GetName()] = map[string]float64{}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+strconv.Quote(l.GetValue()))
			}
			value := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			out[f.GetName()][strings.Join(labels, ",")] = value
		}
	}
	return out
}

func TestRequestsAreCountedByActionAndCode(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := New(Config{Tokens: offlineServer(t).cfg.Tokens, Logger: quietLogger, Metrics: NewMetrics(reg), Console: true})
	forged := "t1.forgedforgedforgedforgedforgedforgedforgedforged"
	for _, r := range []*http.Request{
		newHTTPRequest("GET", "/?Action=ListFlows&Limit=0", "", ""),
		newHTTPRequest("GET", "/?Action=ListFlows&Limit=0", "", ""),
		form("ReportTaskSucceeded", "TaskToken", forged, "Output", "{}"),
		form("LaunchRocket"),
		form("Launch" + strings.Repeat("Rocket", 100)),
		newHTTPRequest("PUT", "/", "", ""),
		newHTTPRequest("GET", "/console/console.css", "", ""),
	} {
		s.ServeHTTP(httptest.NewRecorder(), r)
	}
	got := gathered(t, reg)
	want := map[string]map[string]float64{
		"fnflow_gateway_requests_total": {
			`action="ListFlows",code="400"`:           2,
			`action="ReportTaskSucceeded",code="400"`: 1,
			// Made-up actions share one series, whatever they are called.
			`action="unknown",code="400"`: 2,
			`action="unknown",code="405"`: 1,
			// The console's pages share one series too.
			`action="console",code="200"`: 1,
		},
		"fnflow_gateway_request_duration_seconds": {
			`action="ListFlows"`: 2, `action="ReportTaskSucceeded"`: 1, `action="unknown"`: 3, `action="console"`: 1,
		},
		"fnflow_gateway_callback_reports_total": {`report="succeeded",result="InvalidArgument"`: 1},
		"fnflow_gateway_requests_in_flight":     {"": 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics\n got %v\nwant %v", got, want)
	}
}

// A signed request that fails writes one line at INFO with what an operator
// follows it by, and nothing the caller keeps secret: not the access key's
// secret, not the signature, not the task token.
func TestOneLogLinePerRequestWithoutSecrets(t *testing.T) {
	logs := &records{}
	s := New(Config{AccessKeys: acs.NewKeys(map[string]string{"testid": "testsecret"}), Tokens: offlineServer(t).cfg.Tokens, Logger: slog.New(logs)})
	s.now = func() time.Time { return captureTime }
	r := captureRequest(t, coreReportTaskSucceeded)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var reply struct{ RequestId, Code string }
	if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil || w.Code != 400 || reply.Code != "InvalidArgument" {
		t.Fatalf("want the capture's token refused, got %d %s", w.Code, w.Body.String())
	}

	all := logs.all()
	if len(all) != 1 {
		t.Fatalf("want one log line for the request, got %d: %v", len(all), all)
	}
	rec := all[0]
	attrs := attrsOf(rec)
	if rec.Level != slog.LevelInfo || rec.Message != "request" {
		t.Errorf("want an INFO line \"request\", got %v %q", rec.Level, rec.Message)
	}
	for key, want := range map[string]string{"requestId": reply.RequestId, "action": "ReportTaskSucceeded", "method": "POST", "path": "/", "code": "InvalidArgument"} {
		if got := attrs[key].String(); got != want {
			t.Errorf("%s: got %q, want %q", key, got, want)
		}
	}
	if attrs["status"].Int64() != 400 {
		t.Errorf("status: got %v", attrs["status"])
	}
	if v, ok := attrs["latencyMs"]; !ok || v.Kind() != slog.KindFloat64 || v.Float64() < 0 {
		t.Errorf("latencyMs: got %v", v)
	}
	if _, ok := attrs["error"]; !ok {
		t.Error("a failed request's line says why")
	}

	var line bytes.Buffer
	_ = slog.NewJSONHandler(&line, nil).Handle(context.Background(), rec)
	const tokenSent = "tok/with+special chars*~&x=y"
	for _, secret := range []string{"testsecret", "IP8y0a5gvNn5F1h9oC", "Signature=", tokenSent, "tok%2Fwith", "special chars"} {
		if strings.Contains(line.String(), secret) {
			t.Errorf("the log line shows %q: %s", secret, line.String())
		}
	}
	if !strings.Contains(line.String(), token.Redact(tokenSent)) {
		t.Errorf("the token may show redacted only, and does here: %s", line.String())
	}
}

// A 5xx is logged at ERROR, unless its caller went away first (a long poll
// given up on): then nothing failed on our side.
func TestLogLevelOfFailures(t *testing.T) {
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r.Context()).action = "DescribeExecution"
		w.WriteHeader(http.StatusInternalServerError)
	})
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for name, c := range map[string]struct {
		ctx  context.Context
		want slog.Level
	}{
		"caller waits": {context.Background(), slog.LevelError},
		"caller gone":  {gone, slog.LevelInfo},
	} {
		t.Run(name, func(t *testing.T) {
			logs := &records{}
			s := New(Config{Tokens: offlineServer(t).cfg.Tokens, Logger: slog.New(logs)})
			s.answer(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(c.ctx), failing, fnfFace)
			if all := logs.all(); len(all) != 1 || all[0].Level != c.want || attrsOf(all[0])["action"].String() != "DescribeExecution" {
				t.Errorf("want one %v line, got %v", c.want, all)
			}
		})
	}
}
