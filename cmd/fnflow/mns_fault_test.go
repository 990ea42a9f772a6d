package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fnflow/fnflow/mnsclient"
)

// subscriber is a topic's HTTP endpoint that answers 500 until it is told to
// accept, then records the message of each notification (SIMPLIFIED: the
// body itself).
type subscriber struct {
	accepting atomic.Bool
	mu        sync.Mutex
	got       map[string]int
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !s.accepting.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.got[string(body)]++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// TestFaultKillDevWithMessages kills `fnflow dev` with SIGKILL while its
// queue holds messages waiting (most of them in groups), messages received but not deleted, delayed
// messages, and its topic has notifications being pushed (the subscriber is
// failing them). After the restart on the same data every message is
// delivered and every notification pushed: nothing acknowledged is lost.
func TestFaultKillDevWithMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sub := &subscriber{got: map[string]int{}}
	hook := httptest.NewServer(sub)
	t.Cleanup(hook.Close)
	addr := reservePort(t)
	dev := &faultProcess{
		role:     "dev",
		args:     []string{"--data-dir", filepath.Join(dir, "data"), "--temporal-port", "0", "--ui-port", "0", "--gateway-addr", addr},
		httpAddr: addr,
		log:      filepath.Join(dir, "dev.log"),
	}
	t.Cleanup(func() { dev.stop(t) })
	dev.start(t, ctx)
	c := &mnsclient.Client{Endpoint: "http://" + addr}

	must(t, c.CreateQueue(ctx, "work", mnsclient.QueueAttributes{VisibilityTimeout: 3}))
	must(t, c.CreateTopic(ctx, "news"))
	must(t, c.Subscribe(ctx, "news", "hook", mnsclient.Subscription{Endpoint: hook.URL + "/n", NotifyContentFormat: "SIMPLIFIED"}))

	want := map[string]bool{}
	send := func(body string, delay int) {
		_, err := c.Send(ctx, "work", mnsclient.Outgoing{MessageBody: body, DelaySeconds: delay})
		must(t, err)
		want[body] = true
	}
	// Sent by 10 producers at once, so that most are stored in groups
	// (fnflow dev groups the sends that come together).
	var producers sync.WaitGroup
	for p := range 10 {
		producers.Go(func() {
			for i := p; i < 150; i += 10 {
				_, err := c.Send(ctx, "work", mnsclient.Outgoing{MessageBody: fmt.Sprintf("waiting-%d", i)})
				if err != nil {
					t.Errorf("sending waiting-%d: %v", i, err)
				}
			}
		})
	}
	producers.Wait()
	for i := range 150 {
		want[fmt.Sprintf("waiting-%d", i)] = true
	}
	for i := range 10 {
		send(fmt.Sprintf("delayed-%d", i), 5)
	}
	// Received and never deleted: they come back after the visibility
	// timeout, on the other side of the kill. A long poll, not a short
	// one: on a loaded machine the first sent message can take more than a
	// second to reach the queue's task queue.
	for range 10 {
		_, err := c.Receive(ctx, "work", 10*time.Second)
		must(t, err)
	}
	published := map[string]bool{}
	for i := range 5 {
		body := fmt.Sprintf("news-%d", i)
		_, err := c.Publish(ctx, "news", body)
		must(t, err)
		published[body] = true
	}

	dev.kill(t)
	dev.start(t, ctx)
	sub.accepting.Store(true)

	got := drain(t, ctx, c, "work", 10, len(want))
	for body := range want {
		if got[body] == 0 {
			t.Errorf("message %s was sent before the kill and never delivered after it", body)
		}
	}
	// Pushes that failed before the kill are retried on BACKOFF_RETRY's
	// schedule, 10 to 20 s apart.
	for ctx.Err() == nil && sub.count() < len(published) {
		time.Sleep(200 * time.Millisecond)
	}
	for body := range published {
		if sub.got[body] == 0 {
			t.Errorf("notification %s was published before the kill and never pushed after it", body)
		}
	}
}

// drain receives and deletes with n concurrent consumers until want
// distinct bodies were deleted or ctx ends, and returns how many times each
// body was received.
func drain(t *testing.T, ctx context.Context, c *mnsclient.Client, queue string, n, want int) map[string]int {
	t.Helper()
	var mu sync.Mutex
	received := map[string]int{}
	deleted := map[string]bool{}
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(deleted) >= want
	}
	consume(t, ctx, c, queue, n, done, func(m *mnsclient.Message) (keep bool) {
		mu.Lock()
		defer mu.Unlock()
		received[m.MessageBody]++
		deleted[m.MessageBody] = true
		return false
	})
	if !done() {
		t.Errorf("after %d concurrent consumers gave up, %d distinct messages were deleted, want %d", n, len(deleted), want)
	}
	return received
}

// consume runs n concurrent consumers of queue until done says so or ctx
// ends. Each message received goes to took, which says whether the consumer
// keeps it (dies holding it) or deletes it; a handle already stale when the
// consumer deletes is fine: the message came back to someone else.
func consume(t *testing.T, ctx context.Context, c *mnsclient.Client, queue string, n int, done func() bool, took func(*mnsclient.Message) (keep bool)) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil && !done() {
				m, err := c.Receive(ctx, queue, time.Second)
				if mnsclient.Code(err) == "MessageNotExist" {
					continue
				}
				if err != nil {
					t.Errorf("receiving: %v", err)
					return
				}
				if took(m) {
					continue
				}
				if err := c.Delete(ctx, queue, m.ReceiptHandle); err != nil && mnsclient.Code(err) != "MessageNotExist" {
					t.Errorf("deleting %s: %v", m.MessageBody, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestThousandMessagesTenConsumers sends 1,000 messages and consumes them
// with 10 concurrent consumers, one in ten of whose receives "dies" (keeps
// the message without deleting it). Every message is processed; a message is
// received more than once only when a consumer died holding it.
func TestThousandMessagesTenConsumers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	stack := startStack(t, t.TempDir(), "http://127.0.0.1:1", "")
	t.Cleanup(func() { _ = stack.stop() })
	c := &mnsclient.Client{Endpoint: stack.gatewayURL}
	must(t, c.CreateQueue(ctx, "load", mnsclient.QueueAttributes{VisibilityTimeout: 2}))

	const total = 1000
	var sendWG sync.WaitGroup
	for w := range 10 {
		sendWG.Go(func() {
			for i := w; i < total; i += 10 {
				if _, err := c.Send(ctx, "load", mnsclient.Outgoing{MessageBody: fmt.Sprintf("m-%04d", i)}); err != nil {
					t.Errorf("sending: %v", err)
					return
				}
			}
		})
	}

	var mu sync.Mutex
	received := map[string]int{}
	abandoned := map[string]int{}
	processed := map[string]bool{}
	receives := 0
	finished := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(processed) == total
	}
	consume(t, ctx, c, "load", 10, finished, func(m *mnsclient.Message) (keep bool) {
		mu.Lock()
		defer mu.Unlock()
		received[m.MessageBody]++
		if receives++; receives%10 == 0 {
			abandoned[m.MessageBody]++
			return true // this consumer died holding the message
		}
		processed[m.MessageBody] = true
		return false
	})
	sendWG.Wait()
	if len(processed) != total {
		t.Fatalf("%d of %d messages processed", len(processed), total)
	}
	duplicates := 0
	for body, n := range received {
		if !strings.HasPrefix(body, "m-") {
			t.Errorf("received %q, which nobody sent", body)
		}
		if n > 1 {
			duplicates++
			if n-1 > abandoned[body] {
				t.Errorf("%s was received %d times but abandoned only %d times: a duplicate without an expired visibility timeout", body, n, abandoned[body])
			}
		}
	}
	t.Logf("%d messages, %d receives, %d abandoned, %d messages received more than once", total, receives, len(abandoned), duplicates)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
