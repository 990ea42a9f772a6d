package console

import (
	"fmt"
	"net/http"
)

// maxWaitingPerFlow is how many waiting steps of each flow the inbox shows.
const maxWaitingPerFlow = 100

type inboxPage struct {
	Tasks []waitingTask
	// More says that flows or running executions past the page's bounds
	// were not looked into.
	More bool
}

// inbox lists the callback steps waiting in the running executions of every
// flow (executions.Service.ListWaiting), up to maxFlows flows and
// maxWaitingPerFlow waiting steps of each.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	flows, next, err := h.cfg.Flows.List(r.Context(), "", maxFlows)
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the flows: %w", err))
		return
	}
	page := inboxPage{More: next != ""}
	for _, f := range flows {
		waiting, err := h.cfg.Executions.ListWaiting(r.Context(), f.Name, "", maxWaitingPerFlow, nil)
		if err != nil {
			h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the waiting steps of flow %s: %w", f.Name, err))
			return
		}
		page.More = page.More || waiting.NextPageToken != nil
		page.Tasks = append(page.Tasks, reportable(waiting.Tasks)...)
	}
	h.render(w, http.StatusOK, "inbox.html", page)
}
