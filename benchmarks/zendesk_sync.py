"""Sync N tickets (default 20,000) from the sandbox Zendesk over loopback HTTP into a fresh SQLite store the way
`wishbridge sync` does: `sync_once` with mappings/zendesk.yaml and wish intake (every wish ticket registered,
grouped against the live index and told "registered" through the outbox). `--without-intake` times the store
alone. Prints tickets per second (wall clock, and without the time spent
waiting for HTTP answers and for the rate limits), API calls made against the minimum (one export call per
1,000 tickets plus the ticket-field look-up), and the bridge process's peak memory.

The sandbox runs in a child process so that its work is not counted as the bridge's. By default the client-side
export limiter is effectively off (ZENDESK_EXPORT_RPM=100000): with Zendesk's 10 requests a minute, 21 calls
take two minutes whatever the bridge does. `--limiter` turns it on at 10 a minute (and the sandbox's budget too).
Run: .venv/bin/python -m benchmarks.zendesk_sync [--tickets 20000] [--limiter]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.sync.pull import sync_once
from bridge.worker.jobs import intake_for_run
from connectors.zendesk import PAGE_SIZE, ZendeskConnector
from sandboxes.zendesk import DEFAULT_CREDENTIALS, create_sandbox, load_seed, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "zendesk" / "seed.json"
TOPICS = [("topic_marking_aggregation", None), ("topic_marking", "marking_sub_codes"),
          ("topic_reports", "reports_sub_dashboards"), ("topic_integrations_api", None),
          ("topic_billing_invoices", None), ("topic_reports", None)]
SUBJECTS_RU = ["Нужна выгрузка остатков в Excel", "Агрегация коробов в ТСД", "Заказ кодов маркировки пачками",
               "Дашборд по продажам за неделю", "Интеграция с 1С по API", "Счёт не пришёл на почту"]
SUBJECTS_EN = ["Export stock levels to Excel", "Webhook for shipment statuses", "Bulk code ordering",
               "Weekly sales dashboard", "API rate limits are too low", "Invoice did not arrive"]
CHANNELS = ["email", "web", "api", "native_messaging", "voice"]


def seed(tickets: int, rng: random.Random) -> dict[str, Any]:
    """The fixture's fields, 500 organisations, 3,000 requesters and `tickets` RU/EN tickets."""
    base = load_seed(FIXTURE)
    organizations = [{"id": 1000 + n, "name": f"Клиент {n}", "organization_fields": {
        "tier": rng.choice(["Enterprise", "business", "smb", "free"]), "paid_accounts": rng.randint(1, 500)}}
        for n in range(500)]
    users: list[dict[str, Any]] = [{"id": 100_000 + n, "name": f"User {n}", "email": f"user{n}@example.com",
              "locale": rng.choice(["ru", "ru", "en-US"]), "organization_id": 1000 + n % 500} for n in range(3000)]
    rows = []
    for number in range(1, tickets + 1):
        user = users[rng.randrange(len(users))]
        english = user["locale"].startswith("en")
        topic, sub = rng.choice(TOPICS)
        fields = [{"id": 360000000001, "value": topic}]
        if sub:
            fields.append({"id": 360000000011 if topic == "topic_marking" else 360000000012, "value": sub})
        stamp = f"2025-{1 + number * 12 // (tickets + 1):02d}-{1 + number % 28:02d}T{number % 24:02d}:00:00Z"
        rows.append({
            "id": number, "subject": rng.choice(SUBJECTS_EN if english else SUBJECTS_RU),
            "description": "Please help." if english else "Помогите, пожалуйста.",
            "status": rng.choice(["new", "open", "pending", "solved"]), "type": rng.choice(["task", "question"]),
            "priority": "normal", "tags": rng.sample(["wish", "пожелание", "billing", "vip", "mobile"], 2),
            "requester_id": user["id"], "organization_id": user["organization_id"],
            "via": {"channel": rng.choice(CHANNELS)}, "custom_fields": fields,
            "created_at": stamp, "updated_at": stamp,
        })
    return {"ticket_fields": base["ticket_fields"], "organizations": organizations, "users": users,
            "tickets": rows}


def serve(tickets: int, budget: int, reply: Connection) -> None:
    app = create_sandbox(seed(tickets, random.Random(7)), export_budget_per_minute=budget)
    base_url, _stop = serve_in_thread(app)
    reply.send(base_url)
    reply.recv()


class TimedSession(requests.Session):
    """Counts the seconds spent waiting for HTTP answers (sending, server work, download)."""

    waited = 0.0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        try:
            return super().request(*args, **kwargs)
        finally:
            self.waited += time.perf_counter() - started


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--limiter", action="store_true", help="export limiter on at 10 requests a minute")
    parser.add_argument("--without-intake", action="store_true", help="store tickets only, register no wishes")
    args = parser.parse_args()
    rpm = 10 if args.limiter else 100_000
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(target=serve, args=(args.tickets, rpm, theirs), daemon=True)
    child.start()
    base_url = ours.recv()
    with tempfile.TemporaryDirectory() as folder:
        runtime = Runtime(load_settings({"DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
                                         "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings")}, env_file=None))
        engine, mapping = runtime.engine, runtime.mappings.helpdesk("zendesk")
        connector = ZendeskConnector(base_url, DEFAULT_CREDENTIALS["email"], DEFAULT_CREDENTIALS["api_token"],
                                     export_rpm=rpm)
        session = TimedSession()
        session.auth = connector.client.session.auth
        connector.client.session = session
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        connector.limiter.sleep = connector.client.sleep = sleep
        before = peak_mib()
        started, cpu_started = time.perf_counter(), time.process_time()
        intake = None if args.without_intake else intake_for_run(runtime)
        summary = sync_once(engine, connector, mapping, intake=intake, api_calls=lambda: connector.client.calls)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        engine.dispose()
    ours.send("stop")
    child.join(timeout=10)
    minimum = -(-args.tickets // PAGE_SIZE) + 1
    print(f"export limiter: {'on, 10 requests/minute' if args.limiter else f'off (ZENDESK_EXPORT_RPM={rpm})'}")
    print(f"wish intake: {'off (store only)' if args.without_intake else f'on, {summary.wishes} wishes registered'}")
    print(f"tickets synced: {summary.tickets} ({summary.new} new) in {summary.pages} pages")
    print(f"wall time: {seconds:.2f} s  ->  {summary.tickets / seconds:,.0f} tickets/s")
    processing = seconds - session.waited - sum(slept)
    print(f"waiting for HTTP: {session.waited:.2f} s; for the rate limits: {sum(slept):.2f} s; processing: "
          f"{processing:.2f} s  ->  {summary.tickets / processing:,.0f} tickets/s")
    print(f"CPU time of the bridge process: {cpu:.2f} s  ->  {summary.tickets / cpu:,.0f} tickets per CPU-second")
    print(f"API calls: {connector.client.calls} made, {minimum} minimum ({minimum - 1} export pages + 1 "
          f"ticket-field look-up)  ->  calls/minimum {connector.client.calls / minimum:.2f}")
    print(f"peak memory (bridge process, RSS): {peak_mib():.0f} MiB ({before:.0f} MiB before the sync)")


if __name__ == "__main__":
    main()
