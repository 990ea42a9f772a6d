// Package activities is what task steps call: functions bound over HTTP or
// to Temporal activities, queues and topics, and the waitForCallback
// activity that mints the callback token, hands the work over and parks
// until a worker reports back.
//
// The interpreter schedules these activities by name with the request types
// of contract.go; the worker registers them with their dependencies
// (bindings, the token signer, a Temporal client).
package activities

import (
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// Activities holds what the activities need. Its exported methods are the
// activities; register them with Register.
type Activities struct {
	Functions *Bindings
	// Queues receives the messages of queue tasks, Topics those of topic
	// tasks; nil fails such tasks.
	Queues *queues.Store
	Topics *topics.Store
	Tokens *token.Signer
	// Temporal is used to signal the execution when a callback task was
	// submitted, and to end an abandoned hand-off.
	Temporal client.Client
	HTTP     *http.Client
	Logger   *slog.Logger
	// Handoffs counts callback hand-offs; nil counts none.
	Handoffs *HandoffMetrics
}

// Register registers the activities under the names the interpreter uses.
func (a *Activities) Register(r worker.ActivityRegistry) {
	r.RegisterActivityWithOptions(a.RequestResponse, activity.RegisterOptions{Name: RequestResponseActivity})
	r.RegisterActivityWithOptions(a.WaitForCallback, activity.RegisterOptions{Name: WaitForCallbackActivity})
	r.RegisterActivityWithOptions(a.AbandonHandoff, activity.RegisterOptions{Name: AbandonHandoffActivity})
	r.RegisterActivityWithOptions(a.FailHandoff, activity.RegisterOptions{Name: FailHandoffActivity})
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

func (a *Activities) httpClient() *http.Client {
	if a.HTTP == nil {
		return http.DefaultClient
	}
	return a.HTTP
}
