package console

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowgraph"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/pagetoken"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/interpreter"
)

const (
	// maxFlows is how many flows a page of the flow list shows; past it
	// the list links to its next page.
	maxFlows = 100
	// maxExecutions is how many executions a page of a flow's executions
	// lists, newest first.
	maxExecutions = 100
	// maxEvents is how many events of its history a page of an
	// execution's shows.
	maxEvents = 1000
	// maxHistoryRead bounds how much of a history an execution's page reads
	// to colour its picture and to find how the execution ended: fifty
	// reads of the FnF log, each answered by the worker, for one page view.
	maxHistoryRead = 50_000
)

// statuses are the filters a flow's page offers.
var statuses = []executions.Status{executions.Starting, executions.Running, executions.Succeeded, executions.Failed, executions.Stopped, executions.TimedOut}

type flowItem struct {
	Flow flowstore.Flow
	// Picture is the flow drawn as an SVG document, for an img element: each
	// picture keeps its own IDs.
	Picture template.URL
	Problem string
}

// pageLinks are what a list page links to besides its items.
type pageLinks struct {
	// Next is the next page's token for the link to it, "" on the last.
	Next string
	// Later is set on every page but the first, which it links back to.
	Later bool
}

// linksOf are the links of the page that token asked for, whose store
// answered next as its next page.
func linksOf(token, next []byte) pageLinks {
	return pageLinks{Next: pagetoken.Encode(next), Later: token != nil}
}

type flowsPage struct {
	Flows []flowItem
	pageLinks
}

func (h *Handler) flows(w http.ResponseWriter, r *http.Request) {
	token, err := pageToken(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, Path+"/", err)
		return
	}
	list, next, err := h.cfg.Flows.List(r.Context(), string(token), maxFlows)
	if errors.Is(err, flowstore.ErrBadNextToken) {
		h.fail(w, r, http.StatusBadRequest, Path+"/", err)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, "", fmt.Errorf("listing the flows: %w", err))
		return
	}
	page := flowsPage{pageLinks: linksOf(token, []byte(next))}
	for _, f := range list {
		item := flowItem{Flow: f}
		if g, err := graph(f.Name, f.Definition); err != nil {
			item.Problem = err.Error()
		} else {
			// Built here from the flow's own definition, which the drawing
			// escapes: safe as a URL.
			item.Picture = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(g.SVG())))
		}
		page.Flows = append(page.Flows, item)
	}
	h.render(w, http.StatusOK, "flows.html", page)
}

type flowPage struct {
	Flow       flowstore.Flow
	Picture    template.HTML
	Problem    string
	Statuses   []executions.Status
	Status     executions.Status
	Executions []executions.Execution
	pageLinks
}

func (h *Handler) flow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("flow")
	f, err := h.cfg.Flows.Get(r.Context(), name)
	if errors.Is(err, flowstore.ErrFlowNotFound) {
		h.fail(w, r, http.StatusNotFound, Path+"/", fmt.Errorf("flow %s does not exist", name))
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("reading flow %s: %w", name, err))
		return
	}
	page := flowPage{Flow: f, Statuses: statuses, Status: executions.Status(r.URL.Query().Get("status"))}
	if page.Status != "" && !page.Status.Known() {
		h.fail(w, r, http.StatusBadRequest, Path+"/flows/"+name, fmt.Errorf("unknown status %q", page.Status))
		return
	}
	token, err := pageToken(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, Path+"/flows/"+name, err)
		return
	}
	if g, err := graph(f.Name, f.Definition); err != nil {
		page.Problem = err.Error()
	} else {
		page.Picture = template.HTML(g.SVG())
	}
	list, err := h.cfg.Executions.List(r.Context(), name, executions.Filter{Status: page.Status}, maxExecutions, token)
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the executions of flow %s: %w", name, err))
		return
	}
	page.Executions, page.pageLinks = list.Executions, linksOf(token, list.NextPageToken)
	h.render(w, http.StatusOK, "flow.html", page)
}

type eventRow struct {
	executions.Event
	Detail string
}

type executionPage struct {
	Execution executions.Execution
	Picture   template.HTML
	Problem   string
	Input     string
	Output    string
	// Error and Cause are how an execution that did not succeed ended.
	Error, Cause string
	// Events are the page's rows of the history: maxEvents events after
	// the event After. Next is the last row's ID when more follow.
	Events      []eventRow
	After, Next int64
	// Partial says that the history is longer than maxHistoryRead: the
	// picture shows the state its first events left.
	Partial bool
	Waiting []waitingTask
}

func (h *Handler) execution(w http.ResponseWriter, r *http.Request) {
	flow, name := r.PathValue("flow"), r.PathValue("execution")
	back := Path + "/flows/" + flow
	after, err := strconv.ParseInt(cmp.Or(r.URL.Query().Get("after"), "0"), 10, 64)
	if err != nil || after < 0 {
		h.fail(w, r, http.StatusBadRequest, Path+"/flows/"+flow+"/executions/"+name, fmt.Errorf("after must be an event ID, not %q", r.URL.Query().Get("after")))
		return
	}
	e, err := h.cfg.Executions.Describe(r.Context(), flow, name)
	if errors.Is(err, executions.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, back, fmt.Errorf("execution %s of flow %s does not exist", name, flow))
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, back, fmt.Errorf("describing execution %s of flow %s: %w", name, flow, err))
		return
	}
	read, err := h.history(r, flow, name, after)
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, back, err)
		return
	}
	page := executionPage{Execution: e, Input: indent(e.Input), Output: indent(e.Output), After: after, Next: read.next, Partial: read.partial}
	for _, ev := range read.rows {
		page.Events = append(page.Events, eventRow{Event: ev, Detail: shownDetail(ev)})
	}
	if g, err := graph(flow, e.Definition); err != nil {
		page.Problem = err.Error()
	} else {
		g.Colour(flowgraph.States(read.states))
		page.Picture = template.HTML(g.SVG())
	}
	if e.Status != executions.Succeeded && e.Status != executions.Running && !read.partial {
		var end struct{ Error, Cause string }
		if json.Unmarshal(read.last.Detail, &end) == nil {
			page.Error, page.Cause = end.Error, end.Cause
		}
	}
	if e.Status == executions.Running {
		if page.Waiting, err = h.waiting(r.Context(), flow, name); err != nil {
			h.fail(w, r, http.StatusServiceUnavailable, Path+"/", err)
			return
		}
	}
	h.render(w, http.StatusOK, "execution.html", page)
}

// pageToken is the page a list page was asked for, its "next" parameter:
// nil for the first. The link to a next page carries the store's token as
// pagetoken writes it, so that a cut or altered link is refused here rather
// than by Temporal's visibility store, which takes a mangled token for an
// internal error.
func pageToken(r *http.Request) ([]byte, error) {
	token, err := pagetoken.Decode(r.URL.Query().Get("next"))
	if err != nil {
		return nil, fmt.Errorf("the link to the next page is not valid: %w", err)
	}
	return token, nil
}

// historyRead is what an execution's page takes from its history.
type historyRead struct {
	// states are every event's type and step, for the picture.
	states []flowgraph.Event
	// rows are the maxEvents events after the page's first; next is the
	// last row's ID when more events follow it, else 0.
	rows []executions.Event
	next int64
	// last is the history's last event, which says how the execution ended.
	last executions.Event
	// partial: the history is longer than maxHistoryRead, and the states
	// and last are of its first maxHistoryRead events.
	partial bool
}

// history reads an execution's history from its start, up to
// maxHistoryRead events: the whole of it for the picture and how the
// execution ended, and the rows of the page that begins after event after.
func (h *Handler) history(r *http.Request, flow, name string, after int64) (historyRead, error) {
	var read historyRead
	var from int64
	for {
		page, err := h.cfg.Executions.History(r.Context(), flow, name, from, maxEvents)
		if err != nil {
			return historyRead{}, fmt.Errorf("reading the history of execution %s of flow %s: %w", name, flow, err)
		}
		for _, ev := range page.Events {
			read.states = append(read.states, flowgraph.Event{Type: string(ev.Type), StepName: ev.StepName})
			if ev.ID > after && len(read.rows) < maxEvents {
				read.rows = append(read.rows, ev)
			}
			read.last = ev
		}
		if !page.More || len(page.Events) == 0 {
			break
		}
		if len(read.states) >= maxHistoryRead {
			read.partial = true
			break
		}
		from = page.Events[len(page.Events)-1].ID
	}
	if n := len(read.rows); n > 0 && read.last.ID > read.rows[n-1].ID {
		read.next = read.rows[n-1].ID
	}
	return read, nil
}

// graph draws a definition; one that no longer parses is not drawn.
func graph(name, definition string) (*flowgraph.Graph, error) {
	f, diags := fdl.Parse(name, []byte(definition))
	if diags.HasErrors() {
		return nil, fmt.Errorf("the definition cannot be drawn: %w", diags.Err())
	}
	return flowgraph.Build(f), nil
}

// shownDetail is an event's detail as the history table shows it: a task
// token is redacted, for the page is no place to hand it out.
func shownDetail(e executions.Event) string {
	if e.Type != interpreter.EventTaskSubmitted {
		return string(e.Detail)
	}
	var detail map[string]any
	if payload.Unmarshal(e.Detail, &detail) != nil {
		return string(e.Detail)
	}
	if _, ok := detail["taskToken"]; !ok {
		return string(e.Detail)
	}
	detail["taskToken"] = "(hidden)"
	b, err := payload.Marshal(detail)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// indent lays out a JSON value for reading; "" stays "".
func indent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// since says how long ago t was, to the second.
func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}
