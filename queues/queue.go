package queues

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fnflow/fnflow/internal/record"
)

// Attributes are a queue's settings, with MNS's names and units (seconds,
// bytes).
type Attributes struct {
	DelaySeconds, MaximumMessageSize, MessageRetentionPeriod, VisibilityTimeout, PollingWaitSeconds int
	LoggingEnabled                                                                                  bool
}

// AttributeChange names the attributes to set; nil leaves a field as it is
// (SetQueueAttributes) or at its default (CreateQueue).
type AttributeChange struct {
	DelaySeconds, MaximumMessageSize, MessageRetentionPeriod, VisibilityTimeout, PollingWaitSeconds *int
	LoggingEnabled                                                                                  *bool
}

// Queue is a queue's record. Its JSON is kept in every queue workflow's
// history and memo: field names are frozen.
type Queue struct {
	Name string
	Attributes
	CreateTime, LastModifyTime time.Time
}

// Counters are a queue's message counts, approximate (see GetQueue).
type Counters struct{ ActiveMessages, InactiveMessages, DelayMessages int64 }

// defaults are MNS's defaults for a new queue.
var defaults = Attributes{
	DelaySeconds:           0,
	MaximumMessageSize:     65536,
	MessageRetentionPeriod: 345600,
	VisibilityTimeout:      30,
	PollingWaitSeconds:     0,
}

// Names of the queue record; stored in every queue's history: frozen.
const (
	queueWorkflow = "fnflow.mns.Queue"
	queueIDPrefix = "mns-queue:"
	// purgeActivity ends a deleted queue's messages.
	purgeActivity = "fnflow.mns.PurgeQueue"
)

var queueKind = &record.Kind[Queue, AttributeChange]{
	WorkflowType: queueWorkflow,
	IDPrefix:     queueIDPrefix,
	Noun:         "queue",
	Purge:        purgeActivity,
	Apply: func(q Queue, c AttributeChange, now time.Time) (Queue, error) {
		next := q
		next.Attributes = c.apply(q.Attributes)
		if next.Attributes != q.Attributes {
			next.LastModifyTime = now.Truncate(time.Second)
		}
		return next, nil
	},
}

func (c AttributeChange) apply(a Attributes) Attributes {
	set := func(to *int, from *int) {
		if from != nil {
			*to = *from
		}
	}
	set(&a.DelaySeconds, c.DelaySeconds)
	set(&a.MaximumMessageSize, c.MaximumMessageSize)
	set(&a.MessageRetentionPeriod, c.MessageRetentionPeriod)
	set(&a.VisibilityTimeout, c.VisibilityTimeout)
	set(&a.PollingWaitSeconds, c.PollingWaitSeconds)
	if c.LoggingEnabled != nil {
		a.LoggingEnabled = *c.LoggingEnabled
	}
	return a
}

// check refuses values outside MNS's ranges, naming the field.
func (c AttributeChange) check() error {
	ranges := []struct {
		name     string
		value    *int
		min, max int
	}{
		{"DelaySeconds", c.DelaySeconds, 0, 604800},
		{"MaximumMessageSize", c.MaximumMessageSize, 1024, 65536},
		{"MessageRetentionPeriod", c.MessageRetentionPeriod, 60, 604800},
		{"VisibilityTimeout", c.VisibilityTimeout, 1, 43200},
		{"PollingWaitSeconds", c.PollingWaitSeconds, 0, 30},
	}
	for _, r := range ranges {
		if r.value != nil && (*r.value < r.min || *r.value > r.max) {
			return invalidArgument("%s must be between %d and %d, not %d", r.name, r.min, r.max, *r.value)
		}
	}
	return nil
}

// checkName applies MNS's queue naming rule.
func checkName(name string) error {
	if len(name) > 256 {
		return &InvalidArgumentError{Code: "QueueNameLengthError", Message: fmt.Sprintf("queue name is %d characters long, at most 256 are allowed", len(name))}
	}
	if name == "" {
		return &InvalidArgumentError{Code: "InvalidQueueName", Message: "queue name must not be empty"}
	}
	for i, r := range name {
		letterOrDigit := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !letterOrDigit && (r != '-' || i == 0) {
			return &InvalidArgumentError{Code: "InvalidQueueName", Message: fmt.Sprintf("queue name %q must be letters, digits and '-', starting with a letter or digit", name)}
		}
	}
	return nil
}

// CreateQueue creates a queue with the attributes given and MNS's defaults
// for the others. created is false when the queue exists with identical
// attributes; other attributes give ErrQueueExists, and a queue of that name
// still being purged gives ErrQueueDeletedRecently.
func (s *Store) CreateQueue(ctx context.Context, name string, attrs AttributeChange) (created bool, err error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if err := attrs.check(); err != nil {
		return false, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	q := Queue{Name: name, Attributes: attrs.apply(defaults), CreateTime: now, LastModifyTime: now}
	// A queue deleted between the create and the read makes the read miss
	// it; creating again settles that. More rounds mean it is fought over.
	for range 2 {
		err := s.records.Create(ctx, name, q)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, record.ErrDeleting):
			return false, fmt.Errorf("creating queue %s: %w", name, ErrQueueDeletedRecently)
		case !errors.Is(err, record.ErrExists):
			return false, fmt.Errorf("creating queue %s: %w", name, err)
		}
		existing, err := s.records.Get(ctx, name)
		if errors.Is(err, record.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("creating queue %s: %w", name, err)
		}
		if existing.Attributes != q.Attributes {
			return false, fmt.Errorf("creating queue %s: %w", name, ErrQueueExists)
		}
		return false, nil
	}
	return false, fmt.Errorf("creating queue %s: it was created and deleted concurrently, try again", name)
}

// queue reads a queue's record.
func (s *Store) queue(ctx context.Context, name string) (Queue, error) {
	if checkName(name) != nil {
		return Queue{}, fmt.Errorf("reading queue %q: %w", name, ErrQueueNotExist)
	}
	q, err := s.records.Get(ctx, name)
	if errors.Is(err, record.ErrNotFound) {
		return Queue{}, fmt.Errorf("reading queue %s: %w", name, ErrQueueNotExist)
	}
	return q, err
}

// SetQueueAttributes changes the attributes given and returns the queue.
// Messages already sent keep the visibility timeout and retention they were
// sent with.
func (s *Store) SetQueueAttributes(ctx context.Context, name string, change AttributeChange) (Queue, error) {
	if checkName(name) != nil {
		return Queue{}, fmt.Errorf("changing queue %q: %w", name, ErrQueueNotExist)
	}
	if err := change.check(); err != nil {
		return Queue{}, err
	}
	q, err := s.records.Update(ctx, name, change)
	if errors.Is(err, record.ErrNotFound) {
		return Queue{}, fmt.Errorf("changing queue %s: %w", name, ErrQueueNotExist)
	}
	return q, err
}

// DeleteQueue deletes a queue and, in the background, its messages; until
// they are gone (2 s at least), CreateQueue of that name answers
// ErrQueueDeletedRecently.
func (s *Store) DeleteQueue(ctx context.Context, name string) error {
	if checkName(name) != nil {
		return fmt.Errorf("deleting queue %q: %w", name, ErrQueueNotExist)
	}
	err := s.records.Delete(ctx, name)
	if errors.Is(err, record.ErrNotFound) {
		return fmt.Errorf("deleting queue %s: %w", name, ErrQueueNotExist)
	}
	return err
}

// ListQueues returns the queues whose names start with prefix, in name
// order, after marker ("" for the first page), at most limit, and the marker
// of the next page ("" when none remain). Eventually consistent: a queue
// created a moment ago may be missing for a moment.
func (s *Store) ListQueues(ctx context.Context, prefix, marker string, limit int) ([]Queue, string, error) {
	if limit < 1 {
		return nil, "", invalidArgument("the number of queues to list must be at least 1, not %d", limit)
	}
	queues, next, err := s.records.List(ctx, prefix, marker, limit)
	if errors.Is(err, record.ErrBadMarker) {
		return nil, "", invalidArgument("invalid marker %q", marker)
	}
	return queues, next, err
}
