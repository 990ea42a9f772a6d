// Command echo is a sample function for fnflow's HTTP function bindings.
//
// fnflow POSTs a task step's input to /invoke as a JSON object and takes the
// JSON reply as the step's result, so echoing the input back is the smallest
// function that works. For a waitForCallback step fnflow ignores the reply and
// waits for a report; the input then carries the task token, which is logged
// shortened because a token is a bearer secret.
//
//	go run ./samples/functions/echo --addr 127.0.0.1:9000
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// maxInput bounds what one invocation may send; Function Compute's own limit
// for a synchronous invocation payload is 6 MB.
const maxInput = 6 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	flag.Parse()

	slog.SetDefault(slog.New(logHandler()))

	mux := http.NewServeMux()
	mux.HandleFunc("POST /invoke", invoke)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("echo function listening", "url", "http://"+*addr+"/invoke")

	select {
	case err := <-errc:
		slog.Error("echo function stopped", "err", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		slog.Error("shutting down", "err", err)
		os.Exit(1)
	}
	slog.Info("echo function stopped")
}

// invoke answers with the JSON object it received.
func invoke(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInput))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "input larger than 6 MiB")
			return
		}
		writeError(w, http.StatusBadRequest, "reading input: "+err.Error())
		return
	}
	var input map[string]json.RawMessage
	if err := json.Unmarshal(body, &input); err != nil || input == nil {
		writeError(w, http.StatusBadRequest, "input must be a JSON object")
		return
	}

	attrs := []any{"keys", len(input), "bytes", len(body)}
	var token string
	if raw, ok := input["taskToken"]; ok && json.Unmarshal(raw, &token) == nil {
		attrs = append(attrs, "taskToken", redact(token))
	}
	slog.Info("invoked", attrs...)

	// The reply is the input byte for byte: decoding and re-encoding would
	// reorder keys and round large numbers.
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, message string) {
	slog.Warn("bad invocation", "status", status, "err", message)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// redact keeps only the end of a token: enough to tell tokens apart (their
// starts are alike), too little to use one.
func redact(token string) string {
	const keep = 8
	if len(token) <= 2*keep {
		return "…"
	}
	return "…" + token[len(token)-keep:]
}

// logHandler logs text on a terminal and JSON otherwise, as fnflow does.
func logHandler() slog.Handler {
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.NewTextHandler(os.Stderr, nil)
	}
	return slog.NewJSONHandler(os.Stderr, nil)
}
