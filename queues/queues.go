// Package queues implements Alibaba's MNS queues on Temporal, with no other
// broker: durable, at-least-once, with visibility timeouts, delays,
// priorities and long polling, as MNS's SDKs expect them.
//
// A queue is a record (internal/record): one entity workflow per queue, type
// "fnflow.mns.Queue", ID "mns-queue:<queue>", holding its attributes.
//
// A message is one workflow of its own (type MessageWorkflow, ID
// "mns-message:<queue>/<MessageId>"), started by SendMessage with the
// message's delay as its start delay and the queue's retention as its
// execution timeout, so no workflow ever holds a whole queue and messages
// spread over the cluster's history shards. The message workflow offers the
// message as one activity (type DeliveryActivity, input Delivery) on the task
// queue TaskQueue(queue):
//
//   - receiving a message is polling that task queue for an activity task;
//   - the visibility timeout is the activity's start-to-close timeout, and
//     its retry policy (unlimited attempts, ~zero backoff) makes a message
//     whose receiver neither deleted it nor changed its visibility in time
//     visible again;
//   - deleting is completing the activity, which ends the workflow;
//   - changing the visibility fails the activity with a VisibilityChanged
//     failure, on which the workflow holds the message until the new time
//     and then offers it again;
//   - a priority is the activity's priority key.
//
// So a Temporal worker of any SDK can consume a queue natively: poll
// TaskQueue(queue) for DeliveryActivity and complete the activity once the
// message is processed; failing it or letting it time out redelivers it.
// The fnflow worker runs the queue and message workflows (Register) and
// never polls the "mns:" task queues.
//
// A receipt handle is signed (token.ReceiptHandle) over the queue's name and
// the Temporal task token of the receive, or, after a visibility change, the
// message and its hold (see receipt.go): it cannot be forged, and one
// queue's handle is refused by another.
//
// Priorities need Temporal's matching service to know 16 priority levels,
// and a strict priority order needs one partition per queue's task queue.
// `fnflow dev` configures both (devserver); a Temporal cluster needs the same
// dynamic config: matching.priorityLevels = 16, and, for the strict order,
// matching.numTaskqueueReadPartitions = matching.numTaskqueueWritePartitions
// = 1 for the "mns:" task queues (both can be constrained by task queue
// name). With more partitions, priorities hold per partition only.
//
// Delivery is at least once. A receive that waits 9 s or more is ended by
// Temporal itself and never loses a message. One that cancels its poll (a
// shorter wait, the further messages of a batch, a caller that gives up) at
// the very moment Temporal matched a message to it leaves that message
// received by no one: it becomes visible again after one visibility timeout
// (see poll).
package queues

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/internal/record"
	"github.com/fnflow/fnflow/internal/token"
)

var (
	// ErrQueueNotExist means there is no queue of that name (or it is being
	// deleted).
	ErrQueueNotExist = errors.New("queue does not exist")
	// ErrQueueExists is CreateQueue's answer for a queue that exists with
	// other attributes.
	ErrQueueExists = errors.New("queue already exists with other attributes")
	// ErrQueueDeletedRecently is CreateQueue's answer while a deleted queue
	// of that name is still being purged of its messages.
	ErrQueueDeletedRecently = errors.New("queue was deleted recently and is still being purged")
	// ErrMessageNotExist means a receipt handle is stale: the message was
	// deleted, received again, its visibility changed, or it expired.
	ErrMessageNotExist = errors.New("message does not exist or the receipt handle is no longer valid")
	// ErrBadReceiptHandle means a receipt handle is malformed, forged, or
	// another queue's.
	ErrBadReceiptHandle = errors.New("invalid receipt handle")
)

// InvalidArgumentError is a bad name, attribute or message. Code is the MNS
// error code: InvalidArgument, InvalidQueueName or QueueNameLengthError.
type InvalidArgumentError struct{ Code, Message string }

func (e *InvalidArgumentError) Error() string { return e.Message }

func invalidArgument(format string, args ...any) error {
	return &InvalidArgumentError{Code: "InvalidArgument", Message: fmt.Sprintf(format, args...)}
}

// Config is what a Store needs.
type Config struct {
	// Namespace is the client's namespace, for the raw workflow-service
	// calls that receive, delete and change messages.
	Namespace string
	// TaskQueue is where the queue-record and message workflows run: the
	// fnflow worker's task queue, whose worker called Register.
	TaskQueue string
	// Handles signs receipt handles (purpose token.ReceiptHandle). Every
	// gateway of a deployment must use the same key.
	Handles *token.Signer
	// GroupSends stores undelayed messages sent together (a batch, or sends
	// to a queue that several producers are sending to) in one group
	// workflow instead of a workflow each: several times the messages a second a
	// Temporal server carries (docs/benchmarks.md §5). The namespace must have the search attribute
	// searchattrs.QueueMessages; fnflow dev registers it.
	GroupSends bool
	// Identity names who receives, as Temporal shows it on pending
	// activities (e.g. "fnflow-gateway@host"); "" means
	// "fnflow-queues@<hostname>".
	Identity string
}

// Store creates queues and sends, receives and deletes their messages
// through a Temporal client. It keeps no state but a short cache of queue
// attributes for receives and a short memory of its own sends for peeks;
// any number of Stores (gateways) agree.
type Store struct {
	client  client.Client
	cfg     Config
	records *record.Store[Queue, AttributeChange]
	recent  recentQueues
	sent    recentSends
	groups  *sendGatherer
	// retention is how long a message of q lives; tests shorten it below
	// MNS's 60 s minimum.
	retention func(q Queue) time.Duration
}

// New returns a Store using c, whose data converter must be
// payload.Converter, as every fnflow client's is.
func New(c client.Client, cfg Config) *Store {
	if cfg.Identity == "" {
		host, _ := os.Hostname()
		cfg.Identity = "fnflow-queues@" + host
	}
	s := &Store{
		client:    c,
		cfg:       cfg,
		records:   queueKind.Store(c, cfg.TaskQueue),
		recent:    recentQueues{entries: map[string]recentQueue{}},
		retention: func(q Queue) time.Duration { return time.Duration(q.MessageRetentionPeriod) * time.Second },
	}
	s.groups = newSendGatherer(s.SendMessages)
	return s
}

// TaskQueue is the Temporal task queue on which a queue's messages are
// offered as DeliveryActivity tasks: what a native Temporal consumer polls.
// Frozen: renaming it strands the messages already sent.
func TaskQueue(queue string) string { return "mns:" + queue }

// recentQueues caches queue records for receives and peeks, which would
// otherwise read the record once per call. A receive on a queue deleted a
// moment ago finds no message instead of ErrQueueNotExist; attribute changes
// (PollingWaitSeconds) reach receives within recentFor.
type recentQueues struct {
	mu      sync.Mutex
	entries map[string]recentQueue
}

type recentQueue struct {
	queue Queue
	read  time.Time
}

// recentFor is how long a cached queue record is used.
const recentFor = 2 * time.Second

// recentQueue returns the queue's record, read at most recentFor ago.
func (s *Store) recentQueue(ctx context.Context, name string) (Queue, error) {
	s.recent.mu.Lock()
	e, ok := s.recent.entries[name]
	s.recent.mu.Unlock()
	if ok && time.Since(e.read) < recentFor {
		return e.queue, nil
	}
	q, err := s.queue(ctx, name)
	if err != nil {
		return Queue{}, err
	}
	s.recent.mu.Lock()
	defer s.recent.mu.Unlock()
	for n, e := range s.recent.entries {
		if time.Since(e.read) >= recentFor {
			delete(s.recent.entries, n)
		}
	}
	s.recent.entries[name] = recentQueue{queue: q, read: time.Now()}
	return q, nil
}
