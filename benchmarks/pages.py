"""The pages a product manager opens every day, on a store of 100,000 tickets and 50,000 wishes in 10,000
groups (one of them with 1,000 tickets), and the monthly report with its XLSX. Prints each page's time
(median and worst of 5 loads, after one warm-up load that builds the process's grouping index) and the
report's time. Targets: 300 ms a page, 10 s for the report.

The store is filled with bulk inserts (no grouping, no customer messages), in SQLite by default.
Left out: the browser's own rendering, and PostgreSQL (`--database URL` runs it there).
Run: .venv/bin/python -m benchmarks.pages [--tickets 100000] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.web.app import create_app
from tests.web.support import add_role_users, sign_in

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, tzinfo=UTC)
TOPICS = (("marking", "aggregation"), ("reports", "export"), ("reports", "dashboards"), ("integrations", "api"))
WORDS = ("выгрузка", "отчёт", "Excel", "агрегация", "кодов", "маркировки", "дашборд", "API", "интеграция", "1С")


def chunks(rows: list[dict[str, object]], size: int = 5000) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def fill(runtime: Runtime, ticket_count: int) -> int:
    """Tickets two to a wish, five wishes to a group, one group holding 1,000 tickets; returns that group."""
    wish_count, group_count = ticket_count // 2, ticket_count // 10
    groups = [{"id": g, "title": f"{WORDS[g % 10]} {WORDS[g * 7 % 10]} {g}", "state": ("new", "grouped",
               "in_analysis", "approved")[g % 4], "epoch": 0, "created_at": NOW - timedelta(days=g % 180),
               "updated_at": NOW, "category": TOPICS[g % 4][0], "subcategory": TOPICS[g % 4][1]}
              for g in range(1, group_count + 1)]
    big = 1
    group_of_wish = [big if w < 500 else 2 + w % (group_count - 1) for w in range(wish_count)]
    rows_wishes = [{"id": w + 1, "group_id": group_of_wish[w], "door": "helpdesk", "title": f"wish {w}",
                    "text": " ".join(WORDS[(w + k) % 10] for k in range(12)), "created_by": "sync",
                    "created_at": NOW - timedelta(days=w % 365)} for w in range(wish_count)]
    rows_tickets = [{"id": t + 1, "source": "zendesk", "external_id": str(t + 1), "subject": f"ticket {t}",
                     "body": "Прошу добавить выгрузку", "organization_id": f"o{t % 2000}",
                     "organization_name": f"Org {t % 2000}", "segment": ("enterprise", "smb")[t % 2],
                     "paid_accounts": t % 50, "category": TOPICS[t % 4][0], "subcategory": TOPICS[t % 4][1],
                     "tags": [], "language": "ru", "is_wish": True, "created_at": NOW - timedelta(days=t % 365),
                     "first_seen_at": NOW, "last_seen_at": NOW, "content_hash": "x", "raw": {}}
                    for t in range(ticket_count)]
    rows_links = [{"wish_id": t // 2 + 1, "ticket_id": t + 1, "linked_by": "sync", "linked_at": NOW}
                  for t in range(ticket_count)]
    with runtime.engine.begin() as conn:
        for table, rows in ((wish_groups, groups), (wishes, rows_wishes), (tickets, rows_tickets),
                            (wish_tickets, rows_links)):
            for chunk in chunks(rows):
                conn.execute(table.insert(), chunk)
    return big


def timed(load: object, runs: int = 5) -> tuple[float, float]:
    load()  # type: ignore[operator]
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        load()  # type: ignore[operator]
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    database = f"sqlite:///{folder / 'pages.db'}" if args.database == "sqlite" else args.database
    environ = {"DATABASE_URL": database, "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
               "WISHBRIDGE_SECRET_KEY": "bench"}
    runtime = Runtime(load_settings(environ, env_file=None))
    started = time.perf_counter()
    big = fill(runtime, args.tickets)
    add_role_users(runtime.engine)
    print(f"store: {database.split(':')[0]}, {args.tickets} tickets, {args.tickets // 2} wishes, "
          f"{args.tickets // 10} groups, filled in {time.perf_counter() - started:.0f} s")
    client = create_app(runtime=runtime).test_client()
    sign_in(client, "product_manager")

    def page(url: str) -> object:
        def load() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return load

    for name, url in (("inbox", "/admin/inbox"), ("group list", "/admin/groups"),
                      (f"group page, {2 * 500} tickets", f"/admin/groups/{big}")):
        median, worst = timed(page(url))
        print(f"{name:<28} median {median:8.0f} ms   worst {worst:8.0f} ms   (target 300 ms)")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bridge", "--env-file", str(folder / "none.env"), "report",
                    "--period", "month", "--today", NOW.date().isoformat(), "--out", str(folder / "reports")],
                   env=environ, cwd=ROOT, check=True, capture_output=True)
    print(f"{'report --period month + XLSX':<28} {time.perf_counter() - started:8.1f} s (target 10 s)")


if __name__ == "__main__":
    main()
