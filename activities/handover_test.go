package activities

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/token"
)

// A task whose integration did not run when its execution started (an
// action task recorded before actions ran carries neither its action nor a
// resource) fails the step at once, for both patterns, with an error
// retrying cannot fix.
func TestResourceWithoutIntegrationIsARuntimeError(t *testing.T) {
	signer, err := token.NewSigner(bytes.Repeat([]byte{1}, token.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{Tokens: signer}
	req := TaskRequest{StepPath: "recognize", Input: map[string]any{}}
	for name, activity := range map[string]any{"requestResponse": a.RequestResponse, "waitForCallback": a.WaitForCallback} {
		t.Run(name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment().SetDataConverter(payload.Converter)
			env.RegisterActivity(activity)
			_, err := env.ExecuteActivity(activity, req)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != fdl.ErrRuntime || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), "step recognize: the task's integration did not run in the fnflow version this execution started with") {
				t.Errorf("got %v, want a non-retryable %s naming the step", err, fdl.ErrRuntime)
			}
			if name == "waitForCallback" && !IsSubmitFailure(err) {
				t.Errorf("a callback task that cannot be handed over is a submit failure: %v", err)
			}
		})
	}
}
