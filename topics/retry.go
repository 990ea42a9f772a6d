package topics

import (
	"hash/fnv"
	"strconv"
	"time"
)

// The retry schedules of HTTP deliveries, as MNS documents them (mns-api.md
// §5). A message expires after the topic retention of a day, which the
// publication workflow's execution timeout enforces; the schedules need not.
const (
	// backoffRetries is how many times BACKOFF_RETRY tries again, each
	// backoffMin to backoffMin+backoffSpread after the attempt before.
	backoffRetries = 3
	backoffMin     = 10 * time.Second
	backoffSpread  = 10 * time.Second

	// EXPONENTIAL_DECAY_RETRY waits 1, 2, 4, …, 256 s after the first nine
	// failures, then decayMax after each, decayRetries retries in all: 176
	// retries over about 86000 s.
	decayDoublings = 9
	decayMax       = 512 * time.Second
	decayRetries   = 176
)

// retryWait is how long a delivery waits after its failures-th failed
// attempt (1 for the first) before trying again, and false when its
// strategy allows no more tries. BACKOFF_RETRY's random spread is derived
// from seed (the message and subscription), so that a workflow replaying it
// waits the same and deliveries of many messages spread out all the same.
func retryWait(strategy string, failures int, seed string) (time.Duration, bool) {
	switch strategy {
	case BackoffRetry:
		if failures > backoffRetries {
			return 0, false
		}
		h := fnv.New64a()
		h.Write([]byte(seed + "/" + strconv.Itoa(failures)))
		spread := time.Duration(h.Sum64()%uint64(backoffSpread/time.Millisecond+1)) * time.Millisecond
		return backoffMin + spread, true
	case ExponentialDecayRetry:
		if failures > decayRetries {
			return 0, false
		}
		if failures <= decayDoublings {
			return time.Second << (failures - 1), true
		}
		return decayMax, true
	}
	// An unknown strategy cannot be subscribed; should one reach here, the
	// message is not retried rather than retried forever.
	return 0, false
}
