#!/usr/bin/env python3
"""Callback worker of the fnf-demo-callback sample, Python 3 standard library only.

Does what Alibaba's sample worker.py does: reads the execution's history until
the waiting task's TaskSubmitted event appears, takes the task token from it
and reports the task succeeded with {"status": "ok"}, or failed with
--fail-with. A real worker gets the token from the work it is handed (here the
echo function's input); reading the history only makes the demo need no
plumbing.

    python3 samples/callback/worker.py --execution exec-1
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

API_VERSION = "2019-03-15"


class APIError(Exception):
    """The error body every fnf action answers with."""

    def __init__(self, action, status, body):
        self.status = status
        self.code = body.get("Code", "")
        self.message = body.get("Message", "")
        self.request_id = body.get("RequestId", "")
        super().__init__(
            f"{action}: HTTP {status} {self.code}: {self.message} (RequestId {self.request_id})"
        )


def call(gateway, method, action, params):
    """Calls the gateway in Alibaba's RPC form: Action, Version and the
    parameters in the query for GET, in a form body for POST."""
    query = {"Action": action, "Version": API_VERSION}
    data = None
    if method == "GET":
        query.update(params)
    else:
        data = urllib.parse.urlencode(params).encode()
    url = gateway.rstrip("/") + "/?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = {"Message": text.strip()}
        raise APIError(action, err.code, body) from None


def history(gateway, flow, execution):
    """Returns every event of an execution, following NextToken."""
    events, next_token = [], ""
    while True:
        params = {"FlowName": flow, "ExecutionName": execution}
        if next_token:
            params["NextToken"] = next_token
        page = call(gateway, "GET", "GetExecutionHistory", params)
        events += page.get("Events") or []
        next_token = page.get("NextToken") or ""
        if not next_token:
            return events


EXECUTION_ENDS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionStopped", "ExecutionTimedOut"}
TASK_ANSWERS = {"TaskSucceeded", "TaskFailed", "TaskTimedOut"}


def last_waiting_task(events):
    """The latest TaskSubmitted event that no later TaskSucceeded, TaskFailed
    or TaskTimedOut of the same step has answered, as (step, token)."""
    answered = set()
    for event in reversed(events):
        step = event.get("StepName", "")
        if event.get("Type") in TASK_ANSWERS:
            answered.add(step)
        elif event.get("Type") == "TaskSubmitted" and step not in answered:
            try:
                token = json.loads(event.get("EventDetail") or "{}").get("taskToken")
            except ValueError:
                continue
            if token:
                return step, token
    return None


def wait_for_task(gateway, flow, execution, wait):
    """Polls the history until a task waits for a report. The execution may not
    exist yet if the worker was started first."""
    deadline = time.monotonic() + wait
    while True:
        try:
            events = history(gateway, flow, execution)
        except APIError as err:
            if err.code != "ExecutionNotExists":
                raise
        else:
            ends = [e["Type"] for e in events if e.get("Type") in EXECUTION_ENDS]
            if ends:
                sys.exit(f"worker.py: {flow}/{execution} has ended ({ends[0]}): no task waits for a report")
            task = last_waiting_task(events)
            if task:
                return task
        if time.monotonic() > deadline:
            sys.exit(f"worker.py: no task of {flow}/{execution} waits for a report after {wait}s")
        time.sleep(0.5)


def redact(token):
    """Keeps only the end of a token, which tells tokens apart: tokens are bearer secrets."""
    return "…" + token[-8:] if len(token) > 16 else "…"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8080", help="fnflow gateway URL")
    parser.add_argument("--flow", default="fnf-demo-callback", help="flow name")
    parser.add_argument("--execution", required=True, help="execution name")
    parser.add_argument("--output", default='{"status":"ok"}', help="JSON object to report as the task's output")
    parser.add_argument("--fail-with", help="report the task failed with this error name instead")
    parser.add_argument("--cause", default="reported by worker.py", help="cause reported with --fail-with")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the task to be submitted")
    args = parser.parse_args()

    try:
        step, token = wait_for_task(args.gateway, args.flow, args.execution, args.wait)
        print(f"task {step} of {args.flow}/{args.execution} is waiting, token {redact(token)}")
        if args.fail_with:
            reply = call(args.gateway, "POST", "ReportTaskFailed",
                         {"TaskToken": token, "Error": args.fail_with, "Cause": args.cause})
            print(f"reported failure {args.fail_with}: EventId {reply.get('EventId')}, RequestId {reply.get('RequestId')}")
        else:
            reply = call(args.gateway, "POST", "ReportTaskSucceeded",
                         {"TaskToken": token, "Output": args.output})
            print(f"reported success {args.output}: EventId {reply.get('EventId')}, RequestId {reply.get('RequestId')}")
    except (APIError, OSError) as err:  # OSError covers URLError and timeouts
        sys.exit(f"worker.py: {err}")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
