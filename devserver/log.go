package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// levelFilter drops records below min before they reach next, so that the
// level can be raised while the server runs (see Server.Stop).
type levelFilter struct {
	min  slog.Leveler
	next slog.Handler
}

func (h levelFilter) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min.Level() && h.next.Enabled(ctx, level)
}

func (h levelFilter) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithAttrs(attrs)}
}

func (h levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithGroup(name)}
}

// temporalLogger gives the server's logger interface an slog.Logger.
type temporalLogger struct {
	log   *slog.Logger
	fatal *fatalRecord
}

var (
	_ log.Logger      = temporalLogger{}
	_ log.SLogWrapper = temporalLogger{}
)

func (l temporalLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l temporalLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelInfo, msg, tags) }
func (l temporalLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l temporalLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// The server's own logger panics or exits the process on these. Embedded in
// fnflow, the process is not the server's to end: they are logged as errors,
// as the Temporal CLI does, and kept, because the server goes on without the
// part that failed (a listener it could not open is nil, and serving on it
// panics later in a goroutine of its own); start checks them.
func (l temporalLogger) DPanic(msg string, tags ...tag.Tag) { l.fail(msg, tags) }
func (l temporalLogger) Panic(msg string, tags ...tag.Tag)  { l.fail(msg, tags) }
func (l temporalLogger) Fatal(msg string, tags ...tag.Tag)  { l.fail(msg, tags) }

func (l temporalLogger) fail(msg string, tags []tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	l.fatal.keep(serverFatal{msg: msg, tags: tags})
}

// SLog lets server components that log through slog use ours directly.
func (l temporalLogger) SLog() *slog.Logger { return l.log }

func (l temporalLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	// Checked first: converting tags costs more than the server's Debug and
	// Info calls are worth when they are dropped anyway.
	if !l.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	l.log.LogAttrs(ctx, level, msg, attrs...)
}

// fatalRecord keeps the first message the server logged as fatal.
type fatalRecord struct {
	mu    sync.Mutex
	first error
}

func (r *fatalRecord) keep(f serverFatal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first == nil {
		r.first = f
	}
}

// err is the first fatal message as an error, or nil when there was none.
func (r *fatalRecord) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// serverFatal is a message the server logged as fatal, with its tags.
type serverFatal struct {
	msg  string
	tags []tag.Tag
}

func (f serverFatal) Error() string {
	var b strings.Builder
	b.WriteString(f.msg)
	for i, t := range f.tags {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", t.Key(), t.Value())
	}
	return b.String()
}

// address is the value of the message's address tag, "" without one: for a
// listener that failed, the host:port it could not listen on.
func (f serverFatal) address() string {
	for _, t := range f.tags {
		if t.Key() == "address" {
			return fmt.Sprint(t.Value())
		}
	}
	return ""
}
