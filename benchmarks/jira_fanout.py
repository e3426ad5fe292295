"""One Jira status change fanned out to the N tickets of a wish group, the way a deployment runs it: the
bridge's web app under waitress receives the sandbox Jira's signed webhook, and the worker's own scheduler
(`build_scheduler`, default settings: 1-second inbox and outbox ticks, the Zendesk connector built from
settings with its 1-second job poll) carries it to the sandbox Zendesk, whose bulk jobs run 20 ms after they
are queued. Prints, per N: Zendesk calls against the true minimum (one batch update per 100 tickets plus one
job-status read per 30 jobs in flight), the time from the webhook's arrival to the last ticket updated (p50
and max over the runs), the worker's CPU time and the peak memory of this process.

Left out: network latency (everything is on loopback), Zendesk's real job queue time, and the 700-requests-
a-minute account limit (1,000 tickets take 11 calls). Run: .venv/bin/python -m benchmarks.jira_fanout
[--sizes 1000,5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from waitress.server import create_server

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import inbox, outbox
from bridge.web.app import create_app
from bridge.worker.scheduler import build_scheduler
from sandboxes import jira as jira_sandbox
from sandboxes import zendesk as zendesk_sandbox
from tests.jira_helpers import a_group, add_ticket, link_epic

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"


@dataclass(frozen=True)
class Run:
    calls: int
    seconds: float
    cpu_seconds: float


def serve(app: object) -> tuple[str, threading.Thread, object]:
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.effective_port}", thread, server  # type: ignore[union-attr]


def one_run(size: int, folder: Path) -> Run:
    desk_app = zendesk_sandbox.create_sandbox(export_budget_per_minute=600)
    desk = zendesk_sandbox.sandbox_of(desk_app)
    for number in range(1, size + 1):
        desk.add_ticket({"id": number, "subject": f"Export #{number}", "status": "open"}, notify=False)
    desk_url, stop_desk = zendesk_sandbox.serve_in_thread(desk_app)
    jira_app = jira_sandbox.create_sandbox(webhook_secret=SECRET)
    jira = jira_app.extensions["jira_sandbox"]
    jira_url, stop_jira = zendesk_sandbox.serve_in_thread(jira_app)
    settings = load_settings({
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
        "JIRA_URL": jira_url, "JIRA_EMAIL": jira_sandbox.SANDBOX_EMAIL,
        "JIRA_API_TOKEN": jira_sandbox.SANDBOX_TOKEN, "JIRA_WEBHOOK_SECRET": SECRET,
        "ZENDESK_URL": desk_url, "ZENDESK_EMAIL": "bridge@example.com", "ZENDESK_API_TOKEN": "sandbox-token",
        "SYNC_INTERVAL_SECONDS": "3600",
    }, env_file=None)
    runtime = Runtime(settings)
    bridge_url, _, server = serve(create_app(runtime=runtime))
    jira.webhook_url = f"{bridge_url}/webhooks/jira"
    scheduler = build_scheduler(runtime, BackgroundScheduler(timezone="UTC"))
    try:
        epic = jira.create({"fields": {"project": {"key": "WISH"}, "issuetype": {"id": "10000"},
                                       "summary": "Export reports to Excel"}})
        with runtime.engine.begin() as conn:
            group = a_group(conn, 0)
            link_epic(conn, group, epic.key)
            for number in range(1, size + 1):
                add_ticket(conn, group, number, source="zendesk", external_id=str(number))
        scheduler.start()
        time.sleep(1.5)  # the first round of every job is over, as in a worker that has been running
        zendesk = runtime.connector("zendesk")
        calls_before, cpu_before = zendesk.client.calls, time.process_time()  # type: ignore[attr-defined]
        jira.transition(epic, "21", jira_sandbox.DEMO_USER)
        while sum(1 for comments in desk.comments.values() if len(comments) > 1) < size:
            time.sleep(0.01)
        finished = time.time()
        while True:  # the job-status reads that follow the last write count too
            with runtime.engine.connect() as conn:
                received = conn.execute(select(inbox.c.received_at)).scalar_one()
                if not conn.execute(select(outbox.c.id).where(outbox.c.state.in_(("pending", "claimed")))).first():
                    break
            time.sleep(0.01)
        return Run(zendesk.client.calls - calls_before, finished - received.timestamp(),  # type: ignore[attr-defined]
                   time.process_time() - cpu_before)
    finally:
        scheduler.shutdown(wait=True)
        server.close()  # type: ignore[attr-defined]
        stop_desk()
        stop_jira()
        runtime.engine.dispose()


def minimum_calls(size: int) -> int:
    jobs = -(-size // 100)
    return jobs + -(-jobs // 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'tickets':>8} {'calls':>6} {'minimum':>8} {'ratio':>6} {'p50 s':>7} {'max s':>7} {'CPU s':>7}  runs")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                runs.append(one_run(size, Path(folder)))
        calls, minimum = max(run.calls for run in runs), minimum_calls(size)
        seconds = [run.seconds for run in runs]
        print(f"{size:>8} {calls:>6} {minimum:>8} {calls / minimum:>6.2f} {statistics.median(seconds):>7.2f} "
              f"{max(seconds):>7.2f} {statistics.median(run.cpu_seconds for run in runs):>7.2f}  {len(runs)}")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()
