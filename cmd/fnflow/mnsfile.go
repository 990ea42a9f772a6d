package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// mnsFile is what `fnflow dev --mns FILE` declares: the queues, topics and
// subscriptions a local setup needs, created at every start. What the file
// says wins over what an earlier run left.
type mnsFile struct {
	Queues []struct {
		Name                   string `yaml:"name"`
		DelaySeconds           *int   `yaml:"delaySeconds"`
		MaximumMessageSize     *int   `yaml:"maximumMessageSize"`
		MessageRetentionPeriod *int   `yaml:"messageRetentionPeriod"`
		VisibilityTimeout      *int   `yaml:"visibilityTimeout"`
		PollingWaitSeconds     *int   `yaml:"pollingWaitSeconds"`
	} `yaml:"queues"`
	Topics []struct {
		Name               string `yaml:"name"`
		MaximumMessageSize *int   `yaml:"maximumMessageSize"`
		Subscriptions      []struct {
			Name                string `yaml:"name"`
			Endpoint            string `yaml:"endpoint"`
			FilterTag           string `yaml:"filterTag"`
			NotifyStrategy      string `yaml:"notifyStrategy"`
			NotifyContentFormat string `yaml:"notifyContentFormat"`
		} `yaml:"subscriptions"`
	} `yaml:"topics"`
}

// readMNSFile reads and decodes path, refusing keys it does not know so that
// a misspelt attribute is not silently left at its default.
func readMNSFile(path string) (*mnsFile, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading --mns file: %w", err)
	}
	var f mnsFile
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	// An empty file (io.EOF) declares nothing.
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// declare creates what the file declares. A queue or topic that exists with
// other attributes gets the file's; a subscription that exists with another
// endpoint or format is made again.
func (f *mnsFile) declare(ctx context.Context, qs *queues.Store, ts *topics.Store, logger *slog.Logger) error {
	for _, q := range f.Queues {
		attrs := queues.AttributeChange{
			DelaySeconds: q.DelaySeconds, MaximumMessageSize: q.MaximumMessageSize, MessageRetentionPeriod: q.MessageRetentionPeriod,
			VisibilityTimeout: q.VisibilityTimeout, PollingWaitSeconds: q.PollingWaitSeconds,
		}
		_, err := qs.CreateQueue(ctx, q.Name, attrs)
		if errors.Is(err, queues.ErrQueueExists) {
			_, err = qs.SetQueueAttributes(ctx, q.Name, attrs)
		}
		if err != nil {
			return fmt.Errorf("declaring queue %s: %w", q.Name, err)
		}
		logger.Info("queue declared", "queue", q.Name)
	}
	for _, t := range f.Topics {
		attrs := topics.TopicChange{MaximumMessageSize: t.MaximumMessageSize}
		_, err := ts.CreateTopic(ctx, t.Name, attrs)
		if errors.Is(err, topics.ErrTopicExists) {
			_, err = ts.SetTopicAttributes(ctx, t.Name, attrs)
		}
		if err != nil {
			return fmt.Errorf("declaring topic %s: %w", t.Name, err)
		}
		for _, s := range t.Subscriptions {
			sub := topics.Subscription{
				TopicName: t.Name, Name: s.Name, Endpoint: s.Endpoint, FilterTag: s.FilterTag,
				NotifyStrategy: s.NotifyStrategy, NotifyContentFormat: s.NotifyContentFormat,
			}
			_, err := ts.Subscribe(ctx, sub)
			if errors.Is(err, topics.ErrSubscriptionExists) {
				if err = ts.Unsubscribe(ctx, t.Name, s.Name); err == nil {
					_, err = ts.Subscribe(ctx, sub)
				}
			}
			if err != nil {
				return fmt.Errorf("declaring subscription %s of topic %s: %w", s.Name, t.Name, err)
			}
		}
		logger.Info("topic declared", "topic", t.Name, "subscriptions", len(t.Subscriptions))
	}
	return nil
}
