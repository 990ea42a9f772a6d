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
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/fnfclient"
)

// function is the HTTP function every task step of every variant calls.
// What it does with a call is the call's mode:
//
//   - "" answers; a call with a token is a waitForCallback step's, whose
//     token it then reports at once, through the gateway for fnflow's
//     (token) and through Temporal for the baseline's (temporalToken).
//   - "hold" answers and hands the token to the load generator, which
//     reports it when its scenario says (latency, idle).
//   - "job" takes a long job and answers with its id; the job runs for the
//     function's job duration from when the scenario runs the jobs (once
//     every execution has one), and with a token the function reports the
//     token when the job is done (the callback way of waiting for it).
//   - "status" answers whether the job named in the call is done (the
//     polling way).
//
// Each call of modes "", "hold" and "job" is an arrival for the execution
// named in it, once its report (if any) is accepted, so that the load
// generator knows when each step was reached without polling for it.
type function struct {
	srv      *http.Server
	url      string
	gateway  *fnfclient.Client
	temporal client.Client
	logger   *slog.Logger
	// job is how long a long job runs, set by the polling scenario, and
	// jobSpread how far apart the first and the last job of a turn end:
	// the ends are spread evenly over it, as independent jobs' would be.
	job, jobSpread time.Duration

	mu       sync.Mutex
	arrivals map[string]chan arrival
	// jobs holds the jobs by id. A job's id is its execution's name, so a
	// scenario can look up when it was done.
	jobs map[string]*job
}

// job is a long job: when it is done (zero until the jobs run), and the
// report to send then for a callback step.
type job struct {
	done   time.Time
	report func(context.Context) error
}

// call is what a step sends the function.
type call struct {
	Execution     string `json:"execution"`
	Mode          string `json:"mode"`
	Job           string `json:"job"`
	Token         string `json:"token"`
	TemporalToken string `json:"temporalToken"`
}

// reply is what the function answers; steps map it into their state.
type reply struct {
	Job  string `json:"job,omitempty"`
	Done bool   `json:"done"`
}

// arrival is a step's call reaching the function: when, and for a held
// callback step the report that resumes the execution.
type arrival struct {
	at     time.Time
	report func(context.Context) error
}

func startFunction(addr string, logger *slog.Logger) (*function, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the function: %w", err)
	}
	fn := &function{url: "http://" + ln.Addr().String() + "/invoke", logger: logger,
		arrivals: map[string]chan arrival{}, jobs: map[string]*job{}}
	fn.srv = &http.Server{Handler: http.HandlerFunc(fn.serve)}
	go fn.srv.Serve(ln)
	return fn, nil
}

func (fn *function) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	var c call
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	report, err := fn.reporter(c)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var answer reply
	switch c.Mode {
	case "", "hold":
		// Answered with {}; what follows the answer is below.
	case "job":
		answer.Job = c.Execution
		fn.mu.Lock()
		fn.jobs[answer.Job] = &job{report: report}
		fn.mu.Unlock()
	case "status":
		fn.mu.Lock()
		j, ok := fn.jobs[c.Job]
		if ok {
			answer.Done = !j.done.IsZero() && !now.Before(j.done)
		}
		fn.mu.Unlock()
		if !ok {
			http.Error(w, "no job "+c.Job, http.StatusNotFound)
			return
		}
	default:
		http.Error(w, "no mode "+c.Mode, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
	switch {
	case c.Mode == "hold":
		fn.arrive(c.Execution, arrival{at: now, report: report})
	case c.Mode == "job":
		fn.arrive(c.Execution, arrival{at: now})
	case c.Mode != "":
	case report == nil:
		fn.arrive(c.Execution, arrival{at: now})
	default:
		go func() {
			if fn.send(c.Execution, report) {
				fn.arrive(c.Execution, arrival{at: time.Now()})
			}
		}()
	}
}

// reporter returns what reports the call's token, nil for a call without.
func (fn *function) reporter(c call) (func(context.Context) error, error) {
	switch {
	case c.Token != "":
		return func(ctx context.Context) error {
			_, err := fn.gateway.ReportTaskSucceeded(ctx, c.Token, "{}")
			return err
		}, nil
	case c.TemporalToken != "":
		token, err := base64.StdEncoding.DecodeString(c.TemporalToken)
		if err != nil {
			return nil, fmt.Errorf("the baseline's token is not base64: %w", err)
		}
		return func(ctx context.Context) error {
			return fn.temporal.CompleteActivity(ctx, token, map[string]any{}, nil)
		}, nil
	}
	return nil, nil
}

// send reports a token the function holds, logging a failure (the load
// generator then times out waiting for the execution).
func (fn *function) send(execution string, report func(context.Context) error) bool {
	if err := report(context.Background()); err != nil {
		fn.logger.Error("reporting a callback step", "execution", execution, "error", err)
		return false
	}
	return true
}

// channel returns the channel of the execution's arrivals.
func (fn *function) channel(execution string) chan arrival {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	ch, ok := fn.arrivals[execution]
	if !ok {
		ch = make(chan arrival, 64)
		fn.arrivals[execution] = ch
	}
	return ch
}

func (fn *function) arrive(execution string, a arrival) { fn.channel(execution) <- a }

// next waits for the execution's next arrival. One that has come is taken
// even when the patience has run out.
func (fn *function) next(ctx context.Context, execution string, patience time.Duration) (arrival, error) {
	ch := fn.channel(execution)
	select {
	case a := <-ch:
		return a, nil
	default:
	}
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		return arrival{}, ctx.Err()
	case <-time.After(patience):
		return arrival{}, fmt.Errorf("no step reached the function within %s", patience)
	}
}

// runJobs runs every job taken and not yet running: each is done after
// the job duration from now, and a share of the spread.
func (fn *function) runJobs() {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	var waiting []string
	for id, j := range fn.jobs {
		if j.done.IsZero() {
			waiting = append(waiting, id)
		}
	}
	now := time.Now()
	for i, id := range waiting {
		j := fn.jobs[id]
		after := fn.job + fn.jobSpread*time.Duration(i)/time.Duration(max(len(waiting)-1, 1))
		j.done = now.Add(after)
		if j.report != nil {
			time.AfterFunc(after, func() { fn.send(id, j.report) })
		}
	}
}

// jobDone says when the execution's job was done.
func (fn *function) jobDone(execution string) (time.Time, bool) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	j, ok := fn.jobs[execution]
	if !ok || j.done.IsZero() {
		return time.Time{}, false
	}
	return j.done, true
}

// forget drops what the function holds for the execution.
func (fn *function) forget(execution string) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	delete(fn.arrivals, execution)
	delete(fn.jobs, execution)
}

func (fn *function) close() { fn.srv.Close() }
