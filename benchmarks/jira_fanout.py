"""One Jira status change fanned out to the N tickets of a wish group, against the sandbox Jira and the sandbox
Zendesk on loopback. Prints, per N: Zendesk calls used (all, and update_many writes alone) against the minimum (one
update_many per 100 tickets; each is followed by a job-status poll that reads its per-ticket outcome),
and the time from the webhook's arrival in the inbox to the last ticket updated (p50 and max over the runs).

The worker's own polling (inbox and outbox jobs every 5 s) is not counted: the loop below drains as soon as the
delivery is stored. Run: .venv/bin/python -m benchmarks.jira_fanout [--sizes 10,100,1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bridge import services
from bridge.config import load_settings
from bridge.dispatch import drain, ticket_patch_handler
from bridge.notify import TICKET_PATCH
from bridge.runtime import Runtime
from bridge.store.schema import inbox
from bridge.webapp import create_app
from connectors.zendesk import ZendeskConnector
from sandboxes import jira as jira_sandbox
from sandboxes import zendesk as zendesk_sandbox
from tests.jira_helpers import a_group, add_ticket, link_epic

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
JOB_POLL_SECONDS = 0.05  # the sandbox finishes a bulk job at its first poll; the connector's default is 1 s


@dataclass(frozen=True)
class Run:
    calls: int
    bulk_writes: int
    seconds: float
    updated: int


def one_run(size: int, folder: Path) -> Run:
    desk_app = zendesk_sandbox.create_sandbox()
    desk = zendesk_sandbox.sandbox_of(desk_app)
    for number in range(1, size + 1):
        desk.add_ticket({"id": number, "subject": f"Export #{number}", "status": "open"}, notify=False)
    desk_url, stop_desk = zendesk_sandbox.serve_in_thread(desk_app)
    settings = load_settings({
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
        "JIRA_URL": "http://jira.invalid", "JIRA_EMAIL": jira_sandbox.SANDBOX_EMAIL,
        "JIRA_API_TOKEN": jira_sandbox.SANDBOX_TOKEN, "JIRA_WEBHOOK_SECRET": SECRET,
    }, env_file=None)
    runtime = Runtime(settings)
    bridge_url, stop_bridge = zendesk_sandbox.serve_in_thread(create_app(runtime=runtime))
    jira_app = jira_sandbox.create_sandbox(webhook_url=f"{bridge_url}/webhooks/jira", webhook_secret=SECRET)
    jira = jira_app.extensions["jira_sandbox"]
    try:
        epic = jira.create({"fields": {"project": {"key": "WISH"}, "issuetype": {"id": "10000"},
                                       "summary": "Export reports to Excel"}})
        with runtime.engine.begin() as conn:
            group = a_group(conn, 0)
            link_epic(conn, group, epic.key)
            for number in range(1, size + 1):
                add_ticket(conn, group, number, source="zendesk", external_id=str(number))
        helpdesk = ZendeskConnector(desk_url, "bridge@example.com", "sandbox-token",
                                    job_poll_seconds=JOB_POLL_SECONDS)
        jira.transition(epic, "21", jira_sandbox.DEMO_USER)
        jira.flush()
        with runtime.engine.connect() as conn:
            received = conn.execute(select(inbox.c.received_at)).scalar_one()
        services.drain_inbox(runtime)
        handlers = {TICKET_PATCH: ticket_patch_handler({"zendesk": helpdesk})}
        while drain(runtime.engine, handlers, limit=10_000).done:
            pass
        seconds = time.time() - received.timestamp()
        updated = sum(1 for comments in desk.comments.values() if len(comments) > 1)
        return Run(helpdesk.client.calls, len(desk.jobs), seconds, updated)
    finally:
        stop_bridge()
        stop_desk()
        runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'tickets':>8} {'calls':>6} {'writes':>6} {'minimum':>8} {'writes/min':>10} {'p50 s':>7} "
          f"{'max s':>7}  runs")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                runs.append(one_run(size, Path(folder)))
        assert all(run.updated == size for run in runs), [run.updated for run in runs]
        minimum = -(-size // 100)
        calls, writes = max(run.calls for run in runs), max(run.bulk_writes for run in runs)
        seconds = [run.seconds for run in runs]
        print(f"{size:>8} {calls:>6} {writes:>6} {minimum:>8} {writes / minimum:>10.1f} "
              f"{statistics.median(seconds):>7.3f} {max(seconds):>7.3f}  {len(runs)}")


if __name__ == "__main__":
    main()
