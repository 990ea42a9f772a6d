package activities

import "github.com/prometheus/client_golang/prometheus"

// HandoffMetrics count callback hand-offs by how they ended
// (docs/operations.md). A nil *HandoffMetrics counts nothing.
type HandoffMetrics struct {
	outcomes *prometheus.CounterVec
}

// The outcomes of a hand-off, the values of the outcome label.
const (
	// handoffSubmitted: the work was handed over and its token recorded,
	// or reported before it could be.
	handoffSubmitted = "submitted"
	// handoffFailed: the integration refused the work, or recording the
	// token failed; the step fails with that error.
	handoffFailed = "failed"
	// handoffTimedOut: the hand-off did not finish within the hand-off
	// timeout on its worker (FnF.TaskSubmitTimeout).
	handoffTimedOut = "timed_out"
	// handoffInterrupted: the worker stopped during the hand-off, which
	// is left for its deadline to abandon.
	handoffInterrupted = "interrupted"
	// handoffAbandoned: the execution's hand-off deadline passed and the
	// attempt was failed, to be handed over again.
	handoffAbandoned = "abandoned"
)

// NewHandoffMetrics registers the hand-off counter with reg, every outcome
// at zero so that a rate reads from the first failure on.
func NewHandoffMetrics(reg prometheus.Registerer) *HandoffMetrics {
	m := &HandoffMetrics{outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fnflow_worker_callback_handoffs_total",
		Help: "Hand-offs of waitForCallback task attempts by this worker, by outcome: submitted, failed, timed_out, interrupted (the worker stopped), abandoned (the hand-off deadline passed).",
	}, []string{"outcome"})}
	for _, outcome := range []string{handoffSubmitted, handoffFailed, handoffTimedOut, handoffInterrupted, handoffAbandoned} {
		m.outcomes.WithLabelValues(outcome)
	}
	reg.MustRegister(m.outcomes)
	return m
}

func (m *HandoffMetrics) count(outcome string) {
	if m != nil {
		m.outcomes.WithLabelValues(outcome).Inc()
	}
}
