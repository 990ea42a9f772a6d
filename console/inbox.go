package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/fnflow/fnflow/executions"
)

// maxWaiting is how many waiting steps a page of the inbox shows. A page
// looks into a bounded number of running executions
// (executions.Service.ListWaiting), so it may show fewer and still link to
// a next page.
const maxWaiting = 100

type inboxPage struct {
	Tasks []waitingTask
	pageLinks
}

// inbox lists the callback steps waiting in the running executions of every
// flow, the newest executions first, a page at a time.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	token, err := pageToken(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, Path+"/inbox", err)
		return
	}
	waiting, err := h.cfg.Executions.ListWaiting(r.Context(), "", "", maxWaiting, token)
	if errors.Is(err, executions.ErrInvalidPageToken) {
		h.fail(w, r, http.StatusBadRequest, Path+"/inbox", err)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, Path+"/", fmt.Errorf("listing the waiting steps: %w", err))
		return
	}
	h.render(w, http.StatusOK, "inbox.html", inboxPage{Tasks: reportable(waiting.Tasks), pageLinks: linksOf(token, waiting.NextPageToken)})
}
