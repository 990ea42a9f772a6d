package topics

import (
	"time"

	"go.temporal.io/sdk/worker"
)

// RegisterWithFastRetries is Register with every retry wait a hundredth of
// MNS's (BACKOFF_RETRY 100–200 ms, EXPONENTIAL_DECAY_RETRY from 10 ms), so
// that a test sees retries without waiting 10 s for each. The real
// schedules are tested as functions in retry_test.go.
func RegisterWithFastRetries(w worker.Registry, deps Deps) {
	registerWorkflows(w, func(strategy string, failures int, seed string) (time.Duration, bool) {
		wait, retry := retryWait(strategy, failures, seed)
		return wait / 100, retry
	})
	registerActivities(w, deps)
}

// PublicationID is the workflow ID of a published message.
func PublicationID(topic, messageID string) string { return publicationID(topic, messageID) }
