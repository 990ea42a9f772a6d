package interpreter

import "go.temporal.io/sdk/workflow"

// taskHeartbeatHistoryChange makes the event that ends a callback task show
// the last heartbeat its worker sent, which a report forwards with
// TaskHeartbeatSignal. Asked only when such a signal came for the attempt,
// so that tasks without heartbeats add no marker; an execution that received
// the signal on a worker that ignored it replays without the heartbeat, as it
// ran. Stored in histories: frozen.
const taskHeartbeatHistoryChange = "task-heartbeat-history"

// lastHeartbeatKey is the key of the ending event's detail that holds the
// last heartbeat: {"time": ..., "details": ...}, details left out when the
// heartbeat had none.
const lastHeartbeatKey = "lastHeartbeat"

// lastHeartbeat returns the last heartbeat forwarded for the attempt
// activityID, as its ending event shows it, or nil. It drains
// TaskHeartbeatSignal without blocking: a report signals before it
// completes the attempt, so by the time the attempt has ended its heartbeat
// is in the channel, whether it came in the workflow task that takes the
// completion in or an earlier one. Heartbeats of the other attempts that
// still wait (parallel branches, foreach iterations) are kept on them for
// their own end; those of attempts that no longer wait (a report that came
// too late) are dropped. Call it before the attempt leaves ex.waiting.
func (ex *execution) lastHeartbeat(ctx workflow.Context, activityID string) map[string]any {
	signals := workflow.GetSignalChannel(ctx, TaskHeartbeatSignal)
	for {
		var hb TaskHeartbeat
		if !signals.ReceiveAsync(&hb) {
			break
		}
		if w, ok := ex.waiting[hb.ActivityID]; ok {
			w.lastHeartbeat = &hb
		}
	}
	w := ex.waiting[activityID]
	if w == nil || w.lastHeartbeat == nil ||
		workflow.GetVersion(ctx, taskHeartbeatHistoryChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	detail := map[string]any{"time": w.lastHeartbeat.Time}
	if w.lastHeartbeat.Details != nil {
		detail["details"] = w.lastHeartbeat.Details
	}
	return detail
}
