"""Signed Jira webhooks at a steady rate against `wishbridge serve` (waitress) with a `wishbridge worker` beside
it, both as users run them (separate processes, default settings, one store). Each delivery moves one of 50
epics between In Progress and Testing. Prints the acknowledgement latency (p50, p99, max), whether every
delivery was stored and processed exactly once, and how long the worker took to empty the inbox after the
load ended. Measured in steady state: one second of deliveries at the same rate goes first and is processed
before the clock starts (the 32 senders have connected, and the worker has started and loaded its mappings).
Each sender keeps its connection alive, as a vendor's sender does.

Left out: TLS and a reverse proxy in front of waitress, and the customer messages the stage changes would
send (the groups have no tickets, so the outbox stays empty and only intake is measured).
Run: .venv/bin/python -m benchmarks.webhook_intake [--rate 200] [--seconds 30] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

from benchmarks.stores import fresh_store
from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import inbox
from tests.jira_helpers import a_group, link_epic

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
EPICS = 50
SENDERS = 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def delivery(n: int) -> tuple[bytes, dict[str, str]]:
    status = ("In Progress", "Testing")[n // EPICS % 2]
    body = json.dumps({
        "timestamp": int(time.time() * 1000) + n, "webhookEvent": "jira:issue_updated",
        "user": {"accountId": "po", "displayName": "Product Owner"},
        "issue": {"key": f"WISH-{n % EPICS + 1}", "fields": {
            "status": {"name": status, "statusCategory": {"key": "indeterminate"}}, "resolution": None,
            "fixVersions": [], "updated": "2026-12-03T10:00:00.000+0000"}},
        "changelog": {"id": str(n), "items": [{"field": "status", "fromString": "To Do", "toString": status}]},
    }).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={signature}",
                  "X-Atlassian-Webhook-Identifier": str(uuid.uuid4())}


def drained_within(runtime: Runtime, seconds: float) -> float:
    """Wait until the worker has processed every stored delivery; how long that took."""
    began = time.monotonic()
    while True:
        with runtime.engine.connect() as conn:
            left = conn.execute(select(func.count()).select_from(inbox).where(inbox.c.processed_at.is_(None)))
            if left.scalar_one() == 0:
                return time.monotonic() - began
        assert time.monotonic() - began < seconds, f"the inbox was not drained within {seconds} s"
        time.sleep(0.05)


def post(connections: threading.local, port: int, delivery: tuple[bytes, dict[str, str]]) -> int:
    """POST one delivery on this sender thread's kept-alive connection, as a vendor's sender keeps its own."""
    if not hasattr(connections, "http"):
        connections.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body, headers = delivery
    connections.http.request("POST", "/webhooks/jira", body=body, headers=headers)
    answer = connections.http.getresponse()
    answer.read()
    return answer.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, fresh_store(args.database, Path(folder)) as database:
        run(args, Path(folder), database)


def run(args: argparse.Namespace, folder: Path, database: str) -> None:
    environ = {**os.environ, "DATABASE_URL": database, "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
               "WISHBRIDGE_SECRET_KEY": "bench", "JIRA_URL": "http://127.0.0.1:9", "JIRA_EMAIL": "b@example.com",
               "JIRA_API_TOKEN": "t", "JIRA_WEBHOOK_SECRET": SECRET, "RECONCILE_INTERVAL_SECONDS": "3600"}
    runtime = Runtime(load_settings(environ, env_file=None))
    with runtime.engine.begin() as conn:
        for n in range(1, EPICS + 1):
            link_epic(conn, a_group(conn, 0), f"WISH-{n}", stage="planned", status="To Do")
    port = free_port()
    log = (folder / "processes.log").open("wb")
    serve = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--port", str(port)], env=environ,
                             cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([sys.executable, "-m", "bridge", "worker"], env=environ, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        connections = threading.local()
        total = args.rate * args.seconds
        prepared = [delivery(n) for n in range(total + args.rate)]

        def load(pool: ThreadPoolExecutor, numbers: range) -> tuple[list[tuple[int, float]], float]:
            start = time.monotonic()

            def send(n: int) -> tuple[int, float]:
                time.sleep(max(0.0, start + (n - numbers.start) / args.rate - time.monotonic()))
                began = time.monotonic()
                status = post(connections, port, prepared[n])
                return status, time.monotonic() - began

            return list(pool.map(send, numbers)), start

        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            load(pool, range(total, total + args.rate))   # warm-up: senders connect, the worker starts its jobs
            drained_within(runtime, 60)
            results, start = load(pool, range(total))
        load_ended = time.monotonic()
        drained = drained_within(runtime, 600)
        with runtime.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(inbox)).scalar_one() - args.rate
            failed = conn.execute(select(func.count()).select_from(inbox).where(inbox.c.error.is_not(None)))
            failed_count = failed.scalar_one()
    finally:
        serve.terminate()
        worker.terminate()
        serve.wait(timeout=30)
        worker.wait(timeout=30)
        runtime.engine.dispose()
    latencies = sorted(seconds * 1000 for _, seconds in results)
    accepted = sum(1 for status, _ in results if status == 202)
    print(f"store: {database.split(':')[0]}; {total} deliveries at {args.rate}/s for {args.seconds} s "
          f"(sent over {load_ended - start:.1f} s)")
    print(f"ack ms: p50 {statistics.median(latencies):.1f}, p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f}, "
          f"max {latencies[-1]:.1f}; answered 202: {accepted}")
    print(f"stored once each: {stored == total} ({stored}); processed with an error: {failed_count}; "
          f"inbox empty {drained:.1f} s after the load ended")


if __name__ == "__main__":
    main()
