package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/token"
)

// reportEventWait bounds how long a report's reply waits to learn its
// event. The execution logs it in the workflow task that takes the report
// in, milliseconds later while a worker runs; the Node.js SDK gives up on a
// reply after 3 s.
const reportEventWait = 2 * time.Second

// reportedEvent is the EventId of a report's reply, as the managed service
// answers it: the ID of the TaskSucceeded or TaskFailed event the report
// produced (executions.Service.ReportedEvent). It is 0 when that is not
// known within reportEventWait (no worker runs the execution) or the task is
// no step of an fnflow execution. The report is done either way, and the
// reply must say so: a report sent again would be refused.
func (s *Server) reportedEvent(ctx context.Context, r *request, task *callback.Task) int64 {
	ctx, cancel := context.WithTimeout(ctx, reportEventWait)
	defer cancel()
	id, err := s.executions.ReportedEvent(ctx, task.TemporalToken())
	if err != nil && !errors.Is(err, executions.ErrNotExecutionTask) {
		s.log.Warn("the event of a report is not known; its reply says EventId 0", "task", token.Redact(r.param("TaskToken")), "error", err)
	}
	return id
}
