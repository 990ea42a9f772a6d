package activities

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/testsuite"

	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/token"
)

// A hand-off that fails is counted as failed, and only so.
func TestFailedHandoffIsCounted(t *testing.T) {
	signer, err := token.NewSigner(bytes.Repeat([]byte{1}, token.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	a := &Activities{Tokens: signer, Handoffs: NewHandoffMetrics(reg)}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment().SetDataConverter(payload.Converter)
	env.RegisterActivity(a.WaitForCallback)
	// No integration to hand the task to: the hand-off fails at once.
	if _, err := env.ExecuteActivity(a.WaitForCallback, TaskRequest{StepPath: "s", Input: map[string]any{}}); err == nil {
		t.Fatal("want the hand-off to fail")
	}
	families, err := reg.Gather()
	if err != nil || len(families) != 1 {
		t.Fatalf("want the one counter, got %v, %v", families, err)
	}
	got := map[string]float64{}
	for _, m := range families[0].GetMetric() {
		got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	want := map[string]float64{handoffSubmitted: 0, handoffFailed: 1, handoffTimedOut: 0, handoffInterrupted: 0, handoffAbandoned: 0}
	for outcome, n := range want {
		if got[outcome] != n {
			t.Errorf("outcome %s: got %v, want %v (all: %v)", outcome, got[outcome], n, got)
		}
	}
}
