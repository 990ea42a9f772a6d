package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/fnflow/fnflow/executions"
)

type inboxPage struct {
	Tasks []waitingTask
	// More says that flows or running executions past the page's bounds
	// were not looked into.
	More bool
}

// inbox lists the callback steps waiting in the running executions of every
// flow. It reads the history of each running execution, up to maxFlows
// flows and maxExecutions running executions of each.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	flows, next, err := h.cfg.Flows.List(r.Context(), "", maxFlows)
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the flows: %w", err))
		return
	}
	page := inboxPage{More: next != ""}
	for _, f := range flows {
		running, err := h.cfg.Executions.List(r.Context(), f.Name, executions.Filter{Status: executions.Running}, maxExecutions, nil)
		if err != nil {
			h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the running executions of flow %s: %w", f.Name, err))
			return
		}
		page.More = page.More || running.NextPageToken != nil
		for _, e := range running.Executions {
			events, _, err := h.history(r, f.Name, e.Name)
			if errors.Is(err, executions.ErrNotFound) {
				continue // listed, then gone: visibility lags
			}
			if err != nil {
				h.fail(w, r, http.StatusServiceUnavailable, Path+"/", err)
				return
			}
			page.Tasks = append(page.Tasks, waiting(f.Name, e.Name, events)...)
		}
	}
	h.render(w, http.StatusOK, "inbox.html", page)
}
