package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/fnfclient"
)

// function is the HTTP function every task step of both variants calls. A
// call with a token is a waitForCallback step's: the function answers, then
// reports the token at once, through the gateway for fnflow's (token) and
// through Temporal for the baseline's (temporalToken). Each step done (the
// call answered, or its report accepted) is counted for the execution named
// in the call, so the load generator knows when an execution has done all
// its steps without polling for it.
type function struct {
	srv      *http.Server
	url      string
	gateway  *fnfclient.Client
	temporal client.Client
	logger   *slog.Logger

	mu   sync.Mutex
	done map[string]chan struct{}
}

// call is what a step sends the function.
type call struct {
	Execution     string `json:"execution"`
	Token         string `json:"token"`
	TemporalToken string `json:"temporalToken"`
}

func startFunction(addr string, logger *slog.Logger) (*function, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the function: %w", err)
	}
	fn := &function{url: "http://" + ln.Addr().String() + "/invoke", logger: logger, done: map[string]chan struct{}{}}
	fn.srv = &http.Server{Handler: http.HandlerFunc(fn.serve)}
	go fn.srv.Serve(ln)
	return fn, nil
}

func (fn *function) serve(w http.ResponseWriter, r *http.Request) {
	var c call
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
	switch {
	case c.Token != "":
		go fn.report(c.Execution, func(ctx context.Context) error {
			_, err := fn.gateway.ReportTaskSucceeded(ctx, c.Token, "{}")
			return err
		})
	case c.TemporalToken != "":
		token, err := base64.StdEncoding.DecodeString(c.TemporalToken)
		if err != nil {
			fn.logger.Error("the baseline's token is not base64", "error", err)
			return
		}
		go fn.report(c.Execution, func(ctx context.Context) error {
			return fn.temporal.CompleteActivity(ctx, token, map[string]any{}, nil)
		})
	default:
		fn.stepDone(c.Execution)
	}
}

func (fn *function) report(execution string, send func(context.Context) error) {
	if err := send(context.Background()); err != nil {
		fn.logger.Error("reporting a callback step", "execution", execution, "error", err)
		return
	}
	fn.stepDone(execution)
}

// steps returns the channel that receives a value for each step of the
// execution that is done.
func (fn *function) steps(execution string) chan struct{} {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	ch, ok := fn.done[execution]
	if !ok {
		ch = make(chan struct{}, 64)
		fn.done[execution] = ch
	}
	return ch
}

func (fn *function) forget(execution string) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	delete(fn.done, execution)
}

func (fn *function) stepDone(execution string) { fn.steps(execution) <- struct{}{} }

func (fn *function) close() { fn.srv.Close() }
