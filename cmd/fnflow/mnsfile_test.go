package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/mnsclient"
)

// `fnflow dev --mns FILE` creates what the file declares at every start, and
// what the file says wins over what an earlier run left.
func TestDevDeclaresQueuesAndTopics(t *testing.T) {
	dataDir := t.TempDir()
	file := filepath.Join(t.TempDir(), "mns.yaml")
	start := func(visibility string) *localStack {
		t.Helper()
		text := "queues:\n  - name: jobs\n    visibilityTimeout: " + visibility + "\n" +
			"topics:\n  - name: news\n    subscriptions:\n      - name: inbox\n        endpoint: acs:mns:cn-hangzhou:1:queues/jobs\n        notifyContentFormat: SIMPLIFIED\n"
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		stack, err := startLocal(ctx, devOptions{dataDir: dataDir, gatewayAddr: "127.0.0.1:0", mnsFile: file}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("starting with --mns: %v", err)
		}
		return stack
	}

	stack := start("45")
	ctx := t.Context()
	c := &mnsclient.Client{Endpoint: stack.gatewayURL}
	q, err := c.GetQueue(ctx, "jobs")
	if err != nil || q.VisibilityTimeout != 45 {
		t.Fatalf("declared queue: %+v, %v", q, err)
	}
	// The declared subscription fans the topic out into the queue.
	if _, err := c.Publish(ctx, "news", "extra"); err != nil {
		t.Fatal(err)
	}
	m, err := c.Receive(ctx, "jobs", 10*time.Second)
	if err != nil || m.MessageBody != "extra" {
		t.Fatalf("the declared subscription delivered %+v, %v", m, err)
	}
	if err := stack.stop(); err != nil {
		t.Fatal(err)
	}

	stack = start("90")
	defer func() { _ = stack.stop() }()
	c = &mnsclient.Client{Endpoint: stack.gatewayURL}
	if q, err := c.GetQueue(ctx, "jobs"); err != nil || q.VisibilityTimeout != 90 {
		t.Fatalf("after a restart with another visibilityTimeout: %+v, %v", q, err)
	}
}

// A misspelt key is refused with its line, before anything starts.
func TestMNSFileRefusesUnknownKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mns.yaml")
	if err := os.WriteFile(file, []byte("queues:\n  - name: jobs\n    visibilityTimeOut: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readMNSFile(file)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "visibilityTimeOut") {
		t.Fatalf("got %v, want an error naming line 3 and the key", err)
	}
}
