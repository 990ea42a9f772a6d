package topics

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names stored in the histories of publications: renaming one breaks the
// publications already running.
const (
	// PublicationWorkflowType is the Temporal workflow type of a published
	// message: it delivers the message to its topic's subscriptions.
	PublicationWorkflowType = "fnflow.mns.Publication"
	// publicationIDPrefix starts every publication's workflow ID.
	publicationIDPrefix = "mns-publication:"
	// pushActivity makes one attempt to POST a notification to an HTTP endpoint.
	pushActivity = "fnflow.mns.PushNotification"
	// queueActivity sends a notification to a queue endpoint.
	queueActivity = "fnflow.mns.NotifyQueue"
	// errUndeliverable is the ApplicationError type of a notification that
	// cannot be delivered however often it is tried, such as one to a queue
	// that does not exist: the delivery is dropped.
	errUndeliverable = "fnflow.mns.Undeliverable"
	// errPushFailed is the ApplicationError type of a push the endpoint did
	// not take, which is retried.
	errPushFailed = "fnflow.mns.PushFailed"
)

// retention is how long a published message lives, delivered or not: the
// fixed MessageRetentionPeriod of MNS topics.
const retention = 86400 * time.Second

// publicationID is the workflow ID of a message published to topic. Topic
// names hold no "/", so the topic's publications are exactly the IDs that
// start with publicationPrefix(topic).
func publicationID(topic, messageID string) string { return publicationPrefix(topic) + messageID }

func publicationPrefix(topic string) string { return publicationIDPrefix + topic + "/" }

// publication is the input of a publication workflow: the message and the
// subscriptions it goes to, as they were when it was published. Its field
// names are in every publication's history: frozen.
type publication struct {
	TopicOwner string
	TopicName  string
	Message    message
	Targets    []target
}

// target is one subscription a publication delivers to. Field names frozen.
type target struct {
	Subscription string
	Endpoint     string
	// Queue is the queue of a queue endpoint; "" for an HTTP one.
	Queue    string `json:",omitempty"`
	Strategy string
	Format   string
	// Failures and NextAttempt carry a delivery's progress into the next run
	// when a publication continues as new.
	Failures    int       `json:",omitempty"`
	NextAttempt time.Time `json:",omitzero"`
}

// delivery is the input of one delivery activity. Field names frozen.
type delivery struct {
	TopicOwner string
	TopicName  string
	Message    message
	Target     target
}

// retrySchedule is retryWait's signature; tests shorten the schedules
// through it.
type retrySchedule func(strategy string, failures int, seed string) (time.Duration, bool)

// publisher runs publication workflows.
type publisher struct {
	retryWait retrySchedule
}

// run delivers pub's message to each target at once, each on its own retry
// schedule, and ends when every delivery succeeded or gave up. A message
// retried for long grows the history by every attempt; when the server
// suggests it, the run stops its deliveries at their next wait and
// continues as new with what remains.
func (p publisher) run(ctx workflow.Context, pub publication) error {
	deliveries, stopDeliveries := workflow.WithCancel(ctx)
	done := make([]bool, len(pub.Targets))
	running := len(pub.Targets)
	for i := range pub.Targets {
		workflow.Go(deliveries, func(ctx workflow.Context) {
			done[i] = p.deliver(ctx, pub, &pub.Targets[i])
			running--
		})
	}
	if err := workflow.Await(ctx, func() bool {
		return running == 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if running == 0 {
		return nil
	}
	stopDeliveries()
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return err
	}
	var remaining []target
	for i, t := range pub.Targets {
		if !done[i] {
			remaining = append(remaining, t)
		}
	}
	if len(remaining) == 0 {
		return nil
	}
	pub.Targets = remaining
	return workflow.NewContinueAsNewError(ctx, PublicationWorkflowType, pub)
}

// deliver attempts t until it succeeds or its schedule gives up, and
// reports true then. It reports false when ctx is canceled to continue as
// new, with t saying where the delivery stands: a wait ends at once, an
// attempt under way runs to its end.
func (p publisher) deliver(ctx workflow.Context, pub publication, t *target) bool {
	log := workflow.GetLogger(ctx)
	attempts, _ := workflow.NewDisconnectedContext(ctx)
	for {
		if wait := t.NextAttempt.Sub(workflow.Now(ctx)); wait > 0 {
			if err := workflow.Sleep(ctx, wait); err != nil {
				return false
			}
		}
		err := p.attempt(attempts, pub, *t)
		if err == nil {
			return true
		}
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == errUndeliverable {
			log.Warn("Dropped an undeliverable notification", "Topic", pub.TopicName, "MessageId", pub.Message.ID, "Subscription", t.Subscription, "Error", err)
			return true
		}
		t.Failures++
		wait, retry := p.retryWait(t.Strategy, t.Failures, pub.Message.ID+"/"+t.Subscription)
		if !retry {
			log.Warn("Gave up delivering a notification", "Topic", pub.TopicName, "MessageId", pub.Message.ID, "Subscription", t.Subscription, "Attempts", t.Failures, "Error", err)
			return true
		}
		t.NextAttempt = workflow.Now(ctx).Add(wait)
		if ctx.Err() != nil {
			return false
		}
	}
}

// attempt runs one delivery activity. An HTTP push is tried once: the
// subscription's schedule retries it, as MNS does. A queue send is retried
// by Temporal until it succeeds or turns out undeliverable.
func (p publisher) attempt(ctx workflow.Context, pub publication, t target) error {
	opts := workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("%s/%d", t.Subscription, t.Failures+1),
		StartToCloseTimeout: pushTimeout + 5*time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:             fmt.Sprintf("notify %s, attempt %d", t.Endpoint, t.Failures+1),
	}
	activityName := pushActivity
	if t.Queue != "" {
		activityName = queueActivity
		opts.StartToCloseTimeout = 30 * time.Second
		opts.RetryPolicy = &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		}
		opts.Summary = "send to queue " + t.Queue
	}
	d := delivery{TopicOwner: pub.TopicOwner, TopicName: pub.TopicName, Message: pub.Message, Target: t}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activityName, d).Get(ctx, nil)
}
