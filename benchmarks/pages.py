"""The pages a product manager opens every day, on a store of 100,000 tickets and 50,000 wishes in 10,000
groups (one of them with 1,000 tickets), and the monthly report with its XLSX, the way a deployment serves them:
the admin app under waitress (as `wishbridge serve`, 8 threads) with settings from the environment, a product
manager signed in through the log-in form, every page fetched over HTTP on loopback.

Prints, per page: wall time (median and worst of 5 loads, after one warm-up load) and the CPU time of this
process (server and client) per load; then the process's peak memory. The group page's similar groups come in a
request of their own after the page has shown (its warm-up builds the process's grouping index). Targets: 300 ms
a page, 10 s for the report.

The store is filled with bulk inserts as intake would have left it: every wish with its `wish_added` audit row,
every helpdesk ticket told `registered` (a done outbox item), each group's figures counted by the code that keeps
them (bridge.workflow.popularity.refresh_all, as the migration does). Left out: no grouping decisions or
similar-text structure (texts are drawn from ten words), the browser's own rendering, and PostgreSQL
(`--database URL` runs it there).
Run: .venv/bin/python -m benchmarks.pages [--tickets 100000] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from waitress.server import create_server

from benchmarks.stores import fresh_store
from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import audit, outbox, tickets, tracker_links, wish_groups, wish_tickets, wishes
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.workflow.popularity import refresh_all

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, tzinfo=UTC)
TOPICS = (("marking", "aggregation"), ("reports", "export"), ("reports", "dashboards"), ("integrations", "api"))
WORDS = ("выгрузка", "отчёт", "Excel", "агрегация", "кодов", "маркировки", "дашборд", "API", "интеграция", "1С")
PASSWORD = "bench-password-1"


def chunks(rows: Sequence[Mapping[str, Any]], size: int = 5000) -> Iterator[Sequence[Mapping[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def fill(runtime: Runtime, ticket_count: int, owner: int) -> int:
    """Tickets two to a wish, five wishes to a group, one group holding 1,000 tickets, a third of the groups owned
    by `owner`, every approved one with an epic (half of them in development); returns the big group."""
    wish_count, group_count = ticket_count // 2, ticket_count // 10
    groups = [{"id": g, "title": f"{WORDS[g % 10]} {WORDS[g * 7 % 10]} {g}", "state": ("new", "grouped",
               "in_analysis", "approved")[g % 4], "epoch": 0, "created_at": NOW - timedelta(days=g % 180),
               "updated_at": NOW, "category": TOPICS[g % 4][0], "subcategory": TOPICS[g % 4][1],
               "owner_id": owner if g % 3 == 0 else None, "active_at": NOW - timedelta(minutes=g * 7 % 10_000)}
              for g in range(1, group_count + 1)]
    epics = [{"group_id": g, "tracker": "jira", "issue_key": f"WISH-{g}", "status": "In Progress",
              "stage": ("planned", "in_development")[g // 4 % 2], "created_at": NOW, "updated_at": NOW}
             for g in range(1, group_count + 1) if g % 4 == 3]
    big = 1
    group_of_wish = [big if w < 500 else 2 + w % (group_count - 1) for w in range(wish_count)]
    rows_wishes = [{"id": w + 1, "group_id": group_of_wish[w], "door": "helpdesk", "title": f"wish {w}",
                    "text": " ".join(WORDS[(w + k) % 10] for k in range(12)), "created_by": "sync",
                    "created_at": NOW - timedelta(days=w % 365)} for w in range(wish_count)]
    rows_tickets: list[dict[str, Any]] = [
        {"id": t + 1, "source": "zendesk", "external_id": str(t + 1), "subject": f"ticket {t}",
         "url": f"https://acme.zendesk.com/agent/tickets/{t + 1}", "body": "Прошу добавить выгрузку",
         "requester_id": f"u{t}", "requester_name": f"User {t}", "organization_id": f"o{t % 2000}",
         "organization_name": f"Org {t % 2000}", "segment": ("enterprise", "smb")[t % 2],
         "paid_accounts": t % 50, "category": TOPICS[t % 4][0], "subcategory": TOPICS[t % 4][1],
         "tags": [], "language": "ru", "is_wish": True, "created_at": NOW - timedelta(days=t % 365),
         "first_seen_at": NOW, "last_seen_at": NOW, "content_hash": "x", "raw": {}}
        for t in range(ticket_count)]
    rows_links = [{"wish_id": t // 2 + 1, "ticket_id": t + 1, "linked_by": "sync", "linked_at": NOW}
                  for t in range(ticket_count)]
    rows_audit = [{"entity": "group", "entity_id": str(group_of_wish[w]), "action": "wish_added", "actor": "intake",
                   "details": {"wish": w + 1, "ticket": 2 * w + 1, "door": "helpdesk"}, "at": NOW}
                  for w in range(wish_count)]
    rows_told = [{"idempotency_key": f"stage:registered:g{group_of_wish[t // 2]}:e0:t{t + 1}", "target": "zendesk",
                  "kind": "ticket_patch", "lane": f"zendesk:{t + 1}", "state": "done", "claims": 1,
                  "payload": {"external_id": str(t + 1), "stage": "registered", "patch": {"comment": "Registered"}},
                  "next_attempt_at": NOW, "horizon_at": NOW, "created_at": NOW, "done_at": NOW}
                 for t in range(ticket_count)]
    with runtime.engine.begin() as conn:
        for table, rows in ((wish_groups, groups), (wishes, rows_wishes), (tickets, rows_tickets),
                            (wish_tickets, rows_links), (audit, rows_audit), (outbox, rows_told),
                            (tracker_links, epics)):
            for chunk in chunks(rows):
                conn.execute(table.insert(), chunk)
        refresh_all(conn)
    return big


def serve(runtime: Runtime) -> str:
    server = create_server(create_app(runtime=runtime), host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}"


def signed_in(base: str) -> requests.Session:
    """A browser session of the product manager, signed in through the log-in form."""
    browser = requests.Session()
    form = browser.get(f"{base}/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "the log-in form carries a CSRF token"
    answer = browser.post(f"{base}/admin/login", data={"username": "pm", "password": PASSWORD,
                                                        "csrf_token": token.group(1)}, allow_redirects=False)
    assert answer.status_code == 302, answer.status_code
    return browser


def timed(load: Callable[[], None], runs: int = 5) -> tuple[float, float, float]:
    """Median and worst wall milliseconds, and median CPU milliseconds, of `runs` loads after a warm-up."""
    load()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        load()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, max(walls) * 1000, statistics.median(cpus) * 1000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(folder: Path, tickets: int, database: str) -> None:
    """Fill the empty store at `database`, then time the pages and the report."""
    environ = {"DATABASE_URL": database, "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
               "WISHBRIDGE_SECRET_KEY": "bench"}
    runtime = Runtime(load_settings(environ, env_file=None))
    started = time.perf_counter()
    with runtime.engine.begin() as conn:
        owner = create_user(conn, "pm", PASSWORD, "product_manager").id
    big = fill(runtime, tickets, owner)
    print(f"store: {database.split(':')[0]}, {tickets} tickets, {tickets // 2} wishes, "
          f"{tickets // 10} groups, filled and counted in {time.perf_counter() - started:.0f} s; "
          f"peak memory {peak_mib():.0f} MiB")
    base = serve(runtime)
    browser = signed_in(base)

    def page(path: str) -> Callable[[], None]:
        def load() -> None:
            response = browser.get(f"{base}{path}", allow_redirects=False)
            assert response.status_code == 200, (path, response.status_code)
        return load

    print(f"{'page':<30} {'median':>8} {'worst':>8} {'CPU':>8}   (target 300 ms)")
    for name, path in (("inbox", "/admin/inbox"), ("group list", "/admin/groups"),
                       ("group list, page 20", "/admin/groups?page=20"),
                       ("by tickets", "/admin/groups?sort=tickets"), ("by age", "/admin/groups?sort=oldest"),
                       ("by activity, page 20", "/admin/groups?sort=activity&page=20"),
                       ("mine, smb, in development", "/admin/groups?owner=mine&segment=smb&stage=in_development"),
                       ("a category by paid accounts", "/admin/groups?category=reports&sort=paid_accounts"),
                       ("board", "/admin/board"), ("board, mine", "/admin/board?owner=mine"),
                       (f"group page, {2 * 500} tickets", f"/admin/groups/{big}"),
                       ("its similar groups, after it", f"/admin/groups/{big}/similar?partial=1")):
        median, worst, cpu = timed(page(path))
        print(f"{name:<30} {median:6.0f} ms {worst:6.0f} ms {cpu:6.0f} ms")
    print(f"peak memory of this process (store filled, grouping index built, pages served): {peak_mib():.0f} MiB")
    started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "bridge", "--env-file", str(folder / "none.env"), "report",
                    "--period", "month", "--today", NOW.date().isoformat(), "--out", str(folder / "reports")],
                   env=environ, cwd=ROOT, check=True, capture_output=True)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
    print(f"{'report --period month + XLSX':<30} {time.perf_counter() - started:6.1f} s wall, {cpu:.1f} s CPU, "
          f"peak memory {done.ru_maxrss / 1024:.0f} MiB (target 10 s)")
    runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, fresh_store(args.database, Path(folder)) as database:
        run(Path(folder), args.tickets, database)


if __name__ == "__main__":
    main()
