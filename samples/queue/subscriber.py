#!/usr/bin/env python3
"""HTTP subscriber of the topic sample, Python 3 standard library only.

Serves http://127.0.0.1:9100/notifications, where the topic "job-events"
pushes each published message (NotifyContentFormat JSON, see mns.yaml). The
message body is what the flow's step sent, {"job": ..., "taskToken": ...}: the
subscriber does the job and reports the task succeeded, then answers 204 so
the topic stops retrying.

A production subscriber also checks the notification's signature against the
certificate named by x-mns-signing-cert-url (RSA-SHA1); the standard library
has no RSA, so this sample does not.

    python3 samples/queue/subscriber.py [--gateway http://127.0.0.1:8080] [--port 9100]
"""

import argparse
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def report_succeeded(gateway, token, output):
    query = urllib.parse.urlencode({"Action": "ReportTaskSucceeded", "Version": "2019-03-15"})
    data = urllib.parse.urlencode({"TaskToken": token, "Output": json.dumps(output)}).encode()
    req = urllib.request.Request(f"{gateway.rstrip('/')}/?{query}", data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=30):
            return True
    except urllib.error.HTTPError as err:
        if json.loads(err.read() or b"{}").get("Code") == "TaskAlreadyCompleted":
            return False  # a repeated push of a message already handled
        raise


def handler(gateway):
    class Notifications(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            note = json.loads(body)
            job = json.loads(note["Message"])
            done = report_succeeded(gateway, job["taskToken"], {"result": str(job["job"]).upper()})
            print(f"topic {note['TopicName']} message {note['MessageId']}: job {job['job']!r} "
                  f"{'done' if done else 'already reported'}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass  # one line per notification is printed above

    return Notifications


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gateway", default=os.environ.get("FNFLOW_ENDPOINT", "http://127.0.0.1:8080"))
    p.add_argument("--port", type=int, default=9100)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.gateway))
    print(f"subscriber listening on http://127.0.0.1:{args.port}/notifications", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
