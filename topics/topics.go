// Package topics is MNS topics on Temporal: topics and their subscriptions,
// publishing, and durable push delivery to HTTP endpoints and queues, with
// no broker besides Temporal.
//
// A topic, with all its subscriptions, is one record (internal/record) kept
// by an entity workflow of type "fnflow.mns.Topic". Publishing a message
// reads that record once and starts one publication workflow for the
// message, holding it and the subscriptions its tag matches, which delivers
// it to each of them concurrently: an HTTP POST in MNS's notification
// format, signed like MNS's, retried on the subscription's schedule with
// workflow timers; or a SendMessage into a queue (package queues). Pending
// deliveries are timers and activities of a workflow, so they survive
// restarts; a message lives for the topic retention of one day at most.
package topics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/internal/record"
)

var (
	ErrTopicNotExist = errors.New("topic does not exist")
	// ErrTopicExists is CreateTopic's answer for a topic that exists with
	// other attributes.
	ErrTopicExists = errors.New("topic already exists with other attributes")
	// ErrTopicDeletedRecently is CreateTopic's answer when a topic of that
	// name, just deleted, is still dropping its undelivered messages after
	// a few seconds' wait (its worker is down, say). MNS has no such code:
	// the gateway may answer it as TopicAlreadyExist.
	ErrTopicDeletedRecently = errors.New("a topic of that name was deleted a moment ago and is still being purged")
	ErrSubscriptionNotExist = errors.New("subscription does not exist")
	// ErrSubscriptionExists is Subscribe's answer for a subscription that
	// exists with other attributes.
	ErrSubscriptionExists = errors.New("subscription already exists with other attributes")
)

// Config is what a Store needs.
type Config struct {
	// TaskQueue is where topic records and publications run: the fnflow
	// worker's task queue.
	TaskQueue string
	// Region and AccountID name this service in notifications (TopicOwner,
	// Subscriber) and in queue endpoints (acs:mns:{region}:{account}:queues/q).
	// Defaults "cn-local" and "0".
	Region, AccountID string
}

// Store manages topics, subscriptions and publications through a Temporal
// client. Reads need no worker; changes and deliveries need the fnflow
// worker, with Register, on the task queue.
type Store struct {
	client  client.Client
	records *record.Store[topicRecord, topicChange]
	cfg     Config
}

// New returns a Store.
func New(c client.Client, cfg Config) *Store {
	cfg.Region = cmp.Or(cfg.Region, "cn-local")
	cfg.AccountID = cmp.Or(cfg.AccountID, "0")
	return &Store{client: c, records: topicKind.Store(c, cfg.TaskQueue), cfg: cfg}
}

// TopicAttributes are the attributes a topic is created with and changes.
type TopicAttributes struct {
	MaximumMessageSize int // bytes of a message body, 1024–65536
	LoggingEnabled     bool
}

// TopicChange is CreateTopic's and SetTopicAttributes' input: nil leaves a
// field at its default (CreateTopic) or as it is (SetTopicAttributes).
type TopicChange struct {
	MaximumMessageSize *int  `json:",omitempty"`
	LoggingEnabled     *bool `json:",omitempty"`
}

func (c TopicChange) applyTo(a TopicAttributes) TopicAttributes {
	if c.MaximumMessageSize != nil {
		a.MaximumMessageSize = *c.MaximumMessageSize
	}
	if c.LoggingEnabled != nil {
		a.LoggingEnabled = *c.LoggingEnabled
	}
	return a
}

func (c TopicChange) check() error {
	if n := c.MaximumMessageSize; n != nil && (*n < 1024 || *n > maxMessageSize) {
		return invalid("InvalidArgument", "MaximumMessageSize %d must be between 1024 and %d", *n, maxMessageSize)
	}
	return nil
}

// maxMessageSize is MaximumMessageSize's largest value and its default.
const maxMessageSize = 65536

// Topic is a topic as GetTopicAttributes shows it. Its field names are
// stored in topic records: frozen.
type Topic struct {
	Name string
	TopicAttributes
	MessageRetentionPeriod int // seconds; always 86400
	CreateTime             time.Time
	LastModifyTime         time.Time
}

// CreateTopic creates a topic. created is false when the topic exists with
// identical attributes; ErrTopicExists when they differ.
func (s *Store) CreateTopic(ctx context.Context, name string, attrs TopicChange) (created bool, err error) {
	if err := checkTopicName(name); err != nil {
		return false, err
	}
	if err := attrs.check(); err != nil {
		return false, err
	}
	now := time.Now().UTC()
	t := Topic{
		Name:                   name,
		TopicAttributes:        attrs.applyTo(TopicAttributes{MaximumMessageSize: maxMessageSize}),
		MessageRetentionPeriod: int(retention / time.Second),
		CreateTime:             now,
		LastModifyTime:         now,
	}
	err = s.createRecord(ctx, topicRecord{Topic: t})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, record.ErrDeleting):
		return false, fmt.Errorf("creating topic %s: %w", name, ErrTopicDeletedRecently)
	case !errors.Is(err, record.ErrExists):
		return false, fmt.Errorf("creating topic %s: %w", name, err)
	}
	existing, _, err := s.GetTopic(ctx, name)
	if errors.Is(err, ErrTopicNotExist) {
		// Deleted since: the name is free, but this create did not take it.
		return false, fmt.Errorf("creating topic %s: it was being deleted; try again", name)
	}
	if err != nil {
		return false, fmt.Errorf("creating topic %s: %w", name, err)
	}
	if existing.TopicAttributes != t.TopicAttributes {
		return false, fmt.Errorf("creating topic %s: %w", name, ErrTopicExists)
	}
	return false, nil
}

// createRecord creates r's record. A topic deleted a moment ago is still
// dropping its undelivered messages, which takes a moment; MNS knows no
// "deleted recently" answer for topics, so wait a few seconds for it before
// answering ErrDeleting.
func (s *Store) createRecord(ctx context.Context, r topicRecord) error {
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		err := s.records.Create(ctx, r.Topic.Name, r)
		if !errors.Is(err, record.ErrDeleting) || wait > 2*time.Second {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// GetTopic returns the topic and its MessageCount: how many of its messages
// are still being delivered, counted through visibility, so approximate. On
// a SQLite or MySQL visibility store, whose LIKE ignores case, it also
// counts those of topics whose names differ from this one's in case only.
func (s *Store) GetTopic(ctx context.Context, name string) (Topic, int64, error) {
	r, err := s.read(ctx, name)
	if err != nil {
		return Topic{}, 0, err
	}
	resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: runningPublications(name),
	})
	if err != nil {
		return Topic{}, 0, fmt.Errorf("counting the messages of topic %s: %w", name, err)
	}
	return r.Topic, resp.GetCount(), nil
}

// runningPublications is the visibility query of topic's messages still
// being delivered.
func runningPublications(topic string) string {
	return fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '%s'",
		PublicationWorkflowType, publicationPrefix(topic))
}

// SetTopicAttributes changes the attributes change sets.
func (s *Store) SetTopicAttributes(ctx context.Context, name string, change TopicChange) (Topic, error) {
	if err := change.check(); err != nil {
		return Topic{}, err
	}
	r, err := s.update(ctx, name, topicChange{Attributes: &change})
	return r.Topic, err
}

// DeleteTopic deletes the topic with its subscriptions, and drops its
// messages not yet delivered, as MNS does. It returns ErrTopicNotExist
// when there is none.
func (s *Store) DeleteTopic(ctx context.Context, name string) error {
	if checkTopicName(name) != nil {
		return fmt.Errorf("deleting topic %s: %w", name, ErrTopicNotExist)
	}
	err := s.records.Delete(ctx, name)
	if errors.Is(err, record.ErrNotFound) {
		return fmt.Errorf("deleting topic %s: %w", name, ErrTopicNotExist)
	}
	return err
}

// ListTopics returns the topics whose names start with prefix, in name
// order, from the first after marker ("" for the start), at most limit (1000
// for 0 or less), and the marker of the next page, "" on the last.
// Visibility is eventually consistent: a topic created a moment ago may be
// missing for a moment.
func (s *Store) ListTopics(ctx context.Context, prefix, marker string, limit int) ([]Topic, string, error) {
	records, next, err := s.records.List(ctx, prefix, marker, listLimit(limit))
	if errors.Is(err, record.ErrBadMarker) {
		return nil, "", invalid("InvalidArgument", "the marker %q is not one a topic list handed out", marker)
	}
	if err != nil {
		return nil, "", err
	}
	topics := make([]Topic, len(records))
	for i, r := range records {
		topics[i] = r.Topic
	}
	return topics, next, nil
}

// listLimit is MNS's x-mns-ret-number rule: 1000 when none is given.
func listLimit(limit int) int {
	if limit <= 0 {
		return 1000
	}
	return limit
}

// read returns the record of topic name, or ErrTopicNotExist.
func (s *Store) read(ctx context.Context, name string) (topicRecord, error) {
	if checkTopicName(name) != nil {
		return topicRecord{}, fmt.Errorf("reading topic %s: %w", name, ErrTopicNotExist)
	}
	r, err := s.records.Get(ctx, name)
	if errors.Is(err, record.ErrNotFound) {
		return topicRecord{}, fmt.Errorf("reading topic %s: %w", name, ErrTopicNotExist)
	}
	return r, err
}

// update applies c to topic name's record and turns refusals into this
// package's errors.
func (s *Store) update(ctx context.Context, name string, c topicChange) (topicRecord, error) {
	if checkTopicName(name) != nil {
		return topicRecord{}, fmt.Errorf("changing topic %s: %w", name, ErrTopicNotExist)
	}
	r, err := s.records.Update(ctx, name, c)
	if errors.Is(err, record.ErrNotFound) {
		return r, fmt.Errorf("changing topic %s: %w", name, ErrTopicNotExist)
	}
	switch record.RefusalCode(err) {
	case refusedSubscriptionExists:
		return r, fmt.Errorf("changing topic %s: %w", name, ErrSubscriptionExists)
	case refusedSubscriptionNotExist:
		return r, fmt.Errorf("changing topic %s: %w", name, ErrSubscriptionNotExist)
	case refusedTooManySubscriptions:
		return r, invalid("InvalidArgument", "topic %s has %d subscriptions, the most a topic may have", name, maxSubscriptions)
	}
	return r, err
}
