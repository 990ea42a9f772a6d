package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fnflow/fnflow/gateway"
)

func TestReadyWhenTemporalAnswers(t *testing.T) {
	e := integration(t)
	resp, err := http.Get(e.url + gateway.ReadinessPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("want ready, got %d %q", resp.StatusCode, body)
	}
}

// The metrics of requests that reach Temporal: a served action, an MNS
// route, a report that completes its task.
func TestMetricsOfServedRequests(t *testing.T) {
	e := integration(t)
	reg := prometheus.NewRegistry()
	cfg := e.cfg
	cfg.Metrics = gateway.NewMetrics(reg)
	srv := httptest.NewServer(gateway.New(cfg))
	defer srv.Close()
	mine := *e
	mine.url = srv.URL

	ok(t, mine.call(t, "ListFlows"))
	resp, err := http.Get(srv.URL + "/queues")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ListQueues: %d", resp.StatusCode)
	}
	run, tok := e.startParked(t, "metrics")
	ok(t, mine.call(t, "ReportTaskSucceeded", "TaskToken", tok, "Output", `{}`))
	if _, err := result(t, run); err != nil {
		t.Fatal(err)
	}

	w := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	scraped := w.Body.String()
	for _, want := range []string{
		`fnflow_gateway_requests_total{action="ListFlows",code="200"} 1`,
		`fnflow_gateway_requests_total{action="MNS GET /queues",code="200"} 1`,
		`fnflow_gateway_requests_total{action="ReportTaskSucceeded",code="200"} 1`,
		`fnflow_gateway_callback_reports_total{report="succeeded",result="OK"} 1`,
		`fnflow_gateway_request_duration_seconds_count{action="ReportTaskSucceeded"} 1`,
		`fnflow_gateway_request_duration_seconds_bucket{action="ListFlows",le="60"} 1`,
	} {
		if !strings.Contains(scraped, want+"\n") {
			t.Errorf("the metrics lack %s:\n%s", want, scraped)
		}
	}
}
