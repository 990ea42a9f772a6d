package topics

import (
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/queues"
)

// Deps is what deliveries need on the worker.
type Deps struct {
	// Queues sends notifications to queue endpoints.
	Queues *queues.Store
	// Signer signs HTTP notifications; nil sends them unsigned.
	Signer *PushSigner
	// HTTP posts notifications; nil is a client with MNS's 5 s timeout that
	// follows no redirects.
	HTTP *http.Client
}

// Register registers the topic record workflow, the publication workflow
// and their activities with the fnflow worker.
func Register(w worker.Registry, deps Deps) {
	registerWorkflows(w, retryWait)
	registerActivities(w, deps)
}

// RegisterWorkflows registers the workflows alone, for a replayer.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	registerWorkflows(r, retryWait)
}

// registerWorkflows takes the retry schedules as a parameter, which tests
// shorten.
func registerWorkflows(r worker.WorkflowRegistry, schedule retrySchedule) {
	topicKind.Register(r)
	r.RegisterWorkflowWithOptions(publisher{retryWait: schedule}.run, workflow.RegisterOptions{Name: PublicationWorkflowType})
}

func registerActivities(r worker.ActivityRegistry, deps Deps) {
	p := &pusher{client: deps.HTTP, signer: deps.Signer}
	if p.client == nil {
		p.client = defaultPushClient()
	}
	r.RegisterActivityWithOptions(p.push, activity.RegisterOptions{Name: pushActivity})
	r.RegisterActivityWithOptions(queueNotifier{queues: deps.Queues}.notify, activity.RegisterOptions{Name: queueActivity})
	r.RegisterActivityWithOptions(purgePublications, activity.RegisterOptions{Name: purgeActivity})
}
