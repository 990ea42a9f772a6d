#!/usr/bin/env python3
"""Queue worker of the queue sample, Python 3 standard library only.

Receives a job with its task token from the MNS queue "jobs" (long poll),
does the work, reports the task succeeded to the gateway's fnf API and
deletes the message: the MNS REST API as Alibaba's SDKs speak it, signed the
MNS way (HMAC-SHA1), and the fnf RPC API.

    python3 samples/queue/worker.py [--gateway http://127.0.0.1:8080] [--once]
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

MNS_VERSION = "2015-06-06"
FNF_VERSION = "2019-03-15"


class MNSError(Exception):
    def __init__(self, status, code, message):
        self.status, self.code = status, code
        super().__init__(f"HTTP {status} {code}: {message}")


def mns_call(args, method, resource, body=b""):
    """One signed MNS request; returns the reply's root element, or None."""
    date = email.utils.formatdate(usegmt=True)
    headers = {"Date": date, "x-mns-version": MNS_VERSION}
    md5 = content_type = ""
    if body:
        content_type = "text/xml;charset=UTF-8"
        md5 = base64.b64encode(hashlib.md5(body).hexdigest().encode()).decode()
        headers.update({"Content-Type": content_type, "Content-MD5": md5})
    signed = f"{method}\n{md5}\n{content_type}\n{date}\nx-mns-version:{MNS_VERSION}\n{resource}"
    signature = base64.b64encode(hmac.new(args.secret.encode(), signed.encode(), hashlib.sha1).digest()).decode()
    headers["Authorization"] = f"MNS {args.key_id}:{signature}"
    req = urllib.request.Request(args.gateway.rstrip("/") + resource, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=40) as resp:
            text = resp.read()
    except urllib.error.HTTPError as err:
        root = ET.fromstring(err.read())
        raise MNSError(err.code, child(root, "Code"), child(root, "Message")) from None
    return ET.fromstring(text) if text else None


def child(element, name):
    """The text of a child element, whatever namespace the reply uses."""
    for c in element:
        if c.tag.rsplit("}", 1)[-1] == name:
            return c.text or ""
    return ""


def report_succeeded(args, token, output):
    """ReportTaskSucceeded in the fnf RPC form. fnflow dev without access keys
    takes it unsigned; with keys, use Alibaba's SDK (see node-worker/)."""
    query = urllib.parse.urlencode({"Action": "ReportTaskSucceeded", "Version": FNF_VERSION})
    data = urllib.parse.urlencode({"TaskToken": token, "Output": json.dumps(output)}).encode()
    req = urllib.request.Request(f"{args.gateway.rstrip('/')}/?{query}", data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=30):
            return True
    except urllib.error.HTTPError as err:
        body = json.loads(err.read() or b"{}")
        if body.get("Code") == "TaskAlreadyCompleted":
            return False
        raise


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gateway", default=os.environ.get("FNFLOW_ENDPOINT", "http://127.0.0.1:8080"))
    p.add_argument("--queue", default="jobs")
    p.add_argument("--key-id", default=os.environ.get("FNFLOW_ACCESS_KEY_ID", "dev"))
    p.add_argument("--secret", default=os.environ.get("FNFLOW_ACCESS_KEY_SECRET", "dev"))
    p.add_argument("--once", action="store_true", help="handle one message, then exit")
    args = p.parse_args()
    print(f"receiving from queue {args.queue} at {args.gateway}", flush=True)
    while True:
        try:
            msg = mns_call(args, "GET", f"/queues/{args.queue}/messages?waitseconds=30")
        except MNSError as err:
            if err.code == "MessageNotExist":
                continue  # the long poll ended with no message
            sys.exit(f"worker.py: receiving: {err}")
        job = json.loads(child(msg, "MessageBody"))
        if report_succeeded(args, job["taskToken"], {"result": str(job["job"]).upper()}):
            print(f"job {job['job']!r} done (message {child(msg, 'MessageId')})", flush=True)
        handle = urllib.parse.quote(child(msg, "ReceiptHandle"), safe="")
        mns_call(args, "DELETE", f"/queues/{args.queue}/messages?ReceiptHandle={handle}")
        if args.once:
            return


if __name__ == "__main__":
    main()
