package topics

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/internal/testenv"
)

// The server suggests a continue-as-new only after thousands of events,
// which a test cannot wait for; the SDK's test environment can suggest it.
func newPublicationEnv(push func(context.Context, delivery) error) *testsuite.TestWorkflowEnvironment {
	env := testenv.NewWorkflowEnv()
	env.RegisterWorkflowWithOptions(publisher{retryWait: retryWait}.run, workflow.RegisterOptions{Name: PublicationWorkflowType})
	env.RegisterActivityWithOptions(push, activity.RegisterOptions{Name: pushActivity})
	return env
}

// A publication retried for long continues as new when the server suggests
// it, with the deliveries not done yet and where each stands, and the next
// run goes on from there.
func TestPublicationContinuesAsNewWithWhatRemains(t *testing.T) {
	env := newPublicationEnv(func(_ context.Context, d delivery) error {
		if d.Target.Subscription == "down" {
			return errors.New("the endpoint answered 503")
		}
		return nil
	})
	var started time.Time
	env.RegisterDelayedCallback(func() { started = env.Now() }, 0)
	// Failures at 0, 1, 3, 7, 15 and 31 s; the suggestion comes at 60 s,
	// while the delivery waits for its attempt at 63 s.
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 60*time.Second)
	pub := publication{
		TopicOwner: "1", TopicName: "t",
		Message: message{ID: "M1", Body: "b", BodyMD5: "MD5", PublishTime: 1},
		Targets: []target{
			{Subscription: "up", Endpoint: "http://up/", Strategy: BackoffRetry, Format: FormatXML},
			{Subscription: "down", Endpoint: "http://down/", Strategy: ExponentialDecayRetry, Format: FormatXML},
		},
	}
	env.ExecuteWorkflow(PublicationWorkflowType, pub)

	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want a continue-as-new, got %v", err)
	}
	var next publication
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if len(next.Targets) != 1 || next.Message.ID != pub.Message.ID || next.Message.Body != pub.Message.Body {
		t.Fatalf("continued with %+v", next)
	}
	remaining := next.Targets[0]
	if remaining.Subscription != "down" || remaining.Failures != 6 || remaining.NextAttempt.Sub(started) != 63*time.Second {
		t.Errorf("the remaining delivery: %+v, started at %v; want 6 failures and the next attempt at +63s", remaining, started)
	}

	// The next run waits for the attempt due, which succeeds.
	var attemptedAt time.Time
	env = newPublicationEnv(func(_ context.Context, d delivery) error {
		attemptedAt = env.Now()
		return nil
	})
	env.SetStartTime(started.Add(61 * time.Second))
	env.ExecuteWorkflow(PublicationWorkflowType, next)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("the continued run: completed %v, %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if got := attemptedAt.Sub(started); got != 63*time.Second {
		t.Errorf("the continued run attempted at +%v, want +63s", got)
	}
}
