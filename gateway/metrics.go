package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus metrics (docs/operations.md lists
// them). Their labels take few values: an action of the fnf table or an MNS
// route, never a flow, execution or queue name, so a caller cannot make the
// series grow.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	reports  *prometheus.CounterVec
}

// NewMetrics registers the gateway's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fnflow_gateway_requests_total",
			Help: "API requests answered, by action (an fnf action or an MNS route) and HTTP status code.",
		}, []string{"action", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fnflow_gateway_request_duration_seconds",
			Help: "Time to answer an API request, by action.",
			// Up to the minute a DescribeExecution with WaitTimeSeconds
			// may wait.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"action"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fnflow_gateway_requests_in_flight",
			Help: "API requests being answered.",
		}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fnflow_gateway_callback_reports_total",
			Help: "ReportTaskSucceeded and ReportTaskFailed requests, by report (succeeded, failed) and result: OK when the report completed its task, the fnf error code otherwise.",
		}, []string{"report", "result"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.reports)
	return m
}

// reportKinds names the report actions in fnflow_gateway_callback_reports_total.
var reportKinds = map[string]string{"ReportTaskSucceeded": "succeeded", "ReportTaskFailed": "failed"}

// observe counts one answered request.
func (m *Metrics) observe(action string, status int, code string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(action, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(action).Observe(took.Seconds())
	if kind, ok := reportKinds[action]; ok {
		m.reports.WithLabelValues(kind, code).Inc()
	}
}

// begin counts a request in flight until the returned func is called.
func (m *Metrics) begin() func() {
	if m == nil {
		return func() {}
	}
	m.inFlight.Inc()
	return m.inFlight.Dec
}
