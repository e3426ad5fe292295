"""The chaos run: a real `wishbridge worker` process killed with SIGKILL at random moments while it syncs a
sandbox Zendesk and fans a four-stage epic out to hundreds of tickets, with vendor faults injected, then
counted from the sandboxes' own state (what customers were told), never from the bridge's store.

Phase one: the worker syncs every seeded ticket and tells each customer "registered". Phase two: the test
puts `fan_out` of those wishes in one group and approves it, as a product manager would; the worker creates
the epic; the test moves the epic through In Progress, Testing and Done in the sandbox Jira as soon as the
bridge has seen the previous status (the worker finds each by its reconcile poll); a few tickets are closed
in Zendesk on the way. The worker is killed throughout, and restarted each time.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import outbox, tickets, tracker_links, wish_tickets, wishes
from bridge.text.numbers import public_number
from bridge.workflow.lifecycle import decide, route
from bridge.workflow.lookup import absorbed
from bridge.workflow.merging import merge
from sandboxes import jira as jira_sandbox
from sandboxes import zendesk as zendesk_sandbox
from sandboxes.faults import Faults

ROOT = Path(__file__).resolve().parents[2]
STAGE_WORDS = {  # a word of each stage's Russian message in mappings/messages.yaml
    "registered": "зарегистрировано", "in_analysis": "взято в анализ", "approved": "одобрено",
    "planned": "запланирована", "in_development": "в разработке", "testing": "на тестировании",
    "released": "выпущено",
}
ORDER = list(STAGE_WORDS)
STAGE_TAGS = {f"wish_{stage}" for stage in STAGE_WORDS}
KILL_AFTER = (0.3, 4.0)
JIRA_MOVES = (("21", "in_development"), ("41", "testing"), ("51", "released"))


@dataclass
class Report:
    kills: int = 0
    tickets: int = 0
    registered_once: int = 0
    own_wish_named: int = 0
    fan_out: int = 0
    in_order: int = 0
    released_once: int = 0
    final_tags_right: int = 0
    follow_ups: int = 0
    closed: int = 0
    epics: int = 0
    dead: int = 0
    unfinished: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"worker killed with SIGKILL: {self.kills} times",
            f"tickets synced: {self.tickets}; told 'registered' exactly once: {self.registered_once}; "
            f"every message naming the customer's own wish: {self.own_wish_named}",
            f"fan-out tickets: {self.fan_out}; stages heard in order, none twice: {self.in_order}; "
            f"'released' heard exactly once: {self.released_once}; tags of the last stage only: "
            f"{self.final_tags_right}",
            f"tickets closed on the way: {self.closed}; reached by one follow-up: {self.follow_ups}",
            f"epics in Jira: {self.epics}; dead letters: {self.dead}; items not finished: {self.unfinished}",
            "vendor faults injected: " + ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items())),
        ]


def seed(count: int) -> dict[str, Any]:
    users = [{"id": 10_000 + n, "name": f"Клиент {n}", "email": f"c{n}@example.ru", "locale": "ru"}
             for n in range(count)]
    return {
        "credentials": {"email": "bridge@example.com", "api_token": "sandbox-token", "user_id": 1},
        "users": users,
        "tickets": [{"id": n + 1, "subject": f"Выгрузка отчёта клиента {n:05d} в Excel",
                     "description": f"Прошу добавить выгрузку отчёта {n:05d} в Excel.", "status": "open",
                     "type": "task", "tags": ["wish"], "requester_id": 10_000 + n, "via": {"channel": "email"},
                     "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:00:00Z"}
                    for n in range(count)],
    }


@dataclass
class Chaos:
    database_url: str
    data_dir: Path
    tickets: int = 2000
    fan_out: int = 500
    min_kills: int = 20
    fault_rate: float = 0.1
    closed: int = 5
    seed: int = 7
    deadline_seconds: float = 600.0
    report: Report = field(default_factory=Report)
    closed_ids: list[int] = field(default_factory=list)
    fan_out_ids: list[int] = field(default_factory=list)

    def run(self) -> Report:
        rng = random.Random(self.seed)
        zendesk_app = zendesk_sandbox.create_sandbox(seed(self.tickets), export_budget_per_minute=600)
        self.zendesk = zendesk_sandbox.sandbox_of(zendesk_app)
        faults = Faults(zendesk_app.wsgi_app, rate=self.fault_rate, seed=self.seed, paths=("/api/v2/",))
        zendesk_app.wsgi_app = faults  # type: ignore[method-assign]
        jira_app = jira_sandbox.create_sandbox()
        self.jira = jira_app.extensions["jira_sandbox"]
        zendesk_url, stop_zendesk = zendesk_sandbox.serve_in_thread(zendesk_app)
        jira_url, stop_jira = zendesk_sandbox.serve_in_thread(jira_app)
        self.environ = {**os.environ, **self._settings(zendesk_url, jira_url)}
        self.runtime = Runtime(load_settings(self.environ, env_file=None))
        self.runtime.engine.connect().close()  # the store is migrated before any worker starts
        self.deadline = time.monotonic() + self.deadline_seconds
        try:
            with self._killed_at_random(rng) as kills:
                self._wait(self._synced, "every ticket synced and told 'registered'")
                kills_in_sync = kills()
                group = self._approve_one_group()
                self._move_epic(group, rng)
                self._wait(lambda: self._settled(), "every message sent")
                while kills() < max(self.min_kills, kills_in_sync + self.min_kills // 2):
                    time.sleep(0.2)
            self.report.kills = kills()
            self._with_clean_worker(lambda: self._wait(self._settled, "a clean worker finishing"))
            self._count(group)
        finally:
            stop_zendesk()
            stop_jira()
            self.runtime.engine.dispose()
        self.report.faults = faults.injected
        return self.report

    def _settings(self, zendesk_url: str, jira_url: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url, "WISHBRIDGE_MAPPINGS": str(ROOT / "mappings"),
            "WISHBRIDGE_SECRET_KEY": "chaos", "SYNC_INTERVAL_SECONDS": "1", "WORKER_TICK_SECONDS": "1",
            "RECONCILE_INTERVAL_SECONDS": "2", "OUTBOX_FIRST_RETRY_SECONDS": "1",
            "ZENDESK_URL": zendesk_url, "ZENDESK_EMAIL": "bridge@example.com", "ZENDESK_API_TOKEN": "sandbox-token",
            "ZENDESK_EXPORT_RPM": "600",
            "JIRA_URL": jira_url, "JIRA_EMAIL": jira_sandbox.SANDBOX_EMAIL,
            "JIRA_API_TOKEN": jira_sandbox.SANDBOX_TOKEN,
        }

    # The worker

    def _start(self) -> subprocess.Popen[bytes]:
        log = (self.data_dir / "worker.log").open("ab")
        return subprocess.Popen([sys.executable, "-m", "bridge", "worker"], env=self.environ, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)

    @contextmanager
    def _killed_at_random(self, rng: random.Random) -> Iterator[Callable[[], int]]:
        """A worker SIGKILLed at a random moment 0.3–4 s after it has started its jobs (starting takes a few
        seconds on a busy machine), and restarted, until the block ends. When a worker with work to do made no
        progress since the last kill (a sync page larger than the time it was given), the next one lives twice
        as long."""
        log = self.data_dir / "worker.log"
        state: dict[str, Any] = {"kills": 0, "worker": self._start(), "at": None, "seen": 0, "stretch": 1.0,
                                 "progress": self._progress()}
        stop = threading.Event()

        def started() -> int:
            return log.read_bytes().count(b"worker.started") if log.exists() else 0

        def kill_loop() -> None:
            while not stop.wait(0.05):
                if state["at"] is None and started() > state["seen"]:
                    state["seen"] += 1
                    state["at"] = time.monotonic() + rng.uniform(*KILL_AFTER) * state["stretch"]
                elif state["at"] is not None and time.monotonic() >= state["at"]:
                    state["worker"].send_signal(signal.SIGKILL)
                    state["worker"].wait()
                    state["kills"] += 1
                    progress = self._progress()
                    stuck = progress == state["progress"] and not self._synced()  # work was left
                    state["stretch"] = min(state["stretch"] * 2, 32) if stuck else 1.0
                    state["progress"] = progress
                    state["worker"], state["at"] = self._start(), None

        killer = threading.Thread(target=kill_loop, daemon=True)
        killer.start()
        try:
            yield lambda: int(state["kills"])
        finally:
            stop.set()
            killer.join()
            state["worker"].send_signal(signal.SIGKILL)
            state["worker"].wait()

    def _with_clean_worker(self, work: Callable[[], None]) -> None:
        worker = self._start()
        try:
            work()
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        while not done():
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"chaos run: not reached in time: {what}")
            time.sleep(0.3)

    # Conditions read from the store (only to pace the test)

    def _count_rows(self, query: Any) -> int:
        with self.runtime.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _progress(self) -> tuple[int, int]:
        """Wishes stored and outbox items finished: what a killed worker may have moved."""
        return (self._count_rows(select(func.count()).select_from(wish_tickets)),
                self._count_rows(select(func.count()).select_from(outbox).where(outbox.c.state != "pending")))

    def _synced(self) -> bool:
        linked = self._count_rows(select(func.count()).select_from(wish_tickets))
        return linked >= self.tickets and self._settled()

    def _settled(self) -> bool:
        return self._count_rows(select(func.count()).select_from(outbox).where(
            outbox.c.state.in_(("pending", "claimed")))) == 0

    def _stage(self, group: int) -> str | None:
        with self.runtime.engine.connect() as conn:
            return conn.execute(select(tracker_links.c.stage).where(tracker_links.c.group_id == group)).scalar()

    # What a product team and the developers do

    def _approve_one_group(self) -> int:
        with self.runtime.engine.begin() as conn:
            rows = conn.execute(select(wishes.c.id, wishes.c.group_id, tickets.c.external_id).join(
                wish_tickets, wish_tickets.c.wish_id == wishes.c.id).join(
                tickets, tickets.c.id == wish_tickets.c.ticket_id).order_by(tickets.c.id).limit(self.fan_out)).all()
            group = rows[0].group_id
            for source in dict.fromkeys(row.group_id for row in rows if row.group_id != group):
                merge(conn, source, group, "pm")   # as the product manager merges: their numbers lead here
            route(conn, self.runtime.mappings, group, "analyst", "pm")
            decide(conn, self.runtime.mappings, group, "approve", "pm")
        self.fan_out_ids = [int(r.external_id) for r in rows]
        return int(group)

    def _move_epic(self, group: int, rng: random.Random) -> None:
        self._wait(lambda: bool(self.jira.issues), "the epic created")
        [epic] = self.jira.issues.values()
        closing = rng.sample(self.fan_out_ids, self.closed)
        self.closed_ids = closing
        for transition, stage in JIRA_MOVES:
            if stage == "released":
                for ticket_id in closing:
                    self.zendesk.close_ticket(ticket_id)
                self.report.closed = len(closing)
            self.jira.transition(epic, transition, jira_sandbox.DEMO_USER)
            self._wait(lambda stage=stage: self._stage(group) == stage, f"the bridge seeing {stage}")  # type: ignore[misc]

    # Counting what customers were told, from the sandboxes

    def _conversation(self, ticket_id: int) -> list[str]:
        """The bridge's messages on a ticket and on its follow-ups, oldest first."""
        ticket = self.zendesk.tickets[ticket_id]
        bodies = [c["body"] for c in self.zendesk.comments[ticket_id][1:]]
        for follow_up in ticket.get("followup_ids") or ():
            bodies += [c["body"] for c in self.zendesk.comments[follow_up]]
        return bodies

    def _count(self, group: int) -> None:
        report = self.report
        with self.runtime.engine.connect() as conn:
            group_of = dict(conn.execute(select(tickets.c.external_id, wishes.c.group_id).join(
                wish_tickets, wish_tickets.c.ticket_id == tickets.c.id).join(
                wishes, wishes.c.id == wish_tickets.c.wish_id)).all())
            leads_to = {group_id: {public_number(absorbed_id) for absorbed_id in absorbed(conn, group_id)}
                        | {public_number(group_id)} for group_id in set(group_of.values())}
            in_group = set(conn.execute(select(tickets.c.external_id).join(
                wish_tickets, wish_tickets.c.ticket_id == tickets.c.id).join(
                wishes, wishes.c.id == wish_tickets.c.wish_id).where(wishes.c.group_id == group)).scalars())
            states = Counter(conn.execute(select(outbox.c.state)).scalars())
        report.tickets = len(group_of)
        report.dead, report.unfinished = states["dead"], states["pending"] + states["claimed"]
        report.epics = len(self.jira.issues)
        for external_id, wish_group in group_of.items():
            ticket_id = int(external_id)
            messages = self._conversation(ticket_id)
            stages = [next((s for s, word in STAGE_WORDS.items() if word in m), "?") for m in messages]
            own = self.zendesk.tickets[ticket_id]["raw_subject"]
            registered = [m for m, s in zip(messages, stages, strict=True) if s == "registered"]
            told = re.search(r"W-\d+", registered[0]) if len(registered) == 1 else None
            report.registered_once += told is not None and told.group() in leads_to[wish_group]
            report.own_wish_named += all(own in m for m in messages)
            if external_id not in in_group:
                continue
            report.fan_out += 1
            ranks = [ORDER.index(s) if s in ORDER else -1 for s in stages]
            report.in_order += ranks == sorted(set(ranks)) and -1 not in ranks
            report.released_once += stages.count("released") == 1 and stages[-1] == "released"
            final = self._final_tags(ticket_id)
            report.final_tags_right += final & STAGE_TAGS == {"wish_released"}
            follow_ups = self.zendesk.tickets[ticket_id].get("followup_ids") or ()
            report.follow_ups += len(follow_ups) == 1
            if (ticket_id in self.closed_ids) != bool(follow_ups):
                report.problems.append(f"ticket {ticket_id} ({self.zendesk.tickets[ticket_id]['status']}): "
                                       f"follow-ups {follow_ups}, messages {stages}")
            if stages != [s for s in stages if s != "?"]:
                report.problems.append(f"ticket {ticket_id}: unknown message in {messages}")

    def _final_tags(self, ticket_id: int) -> set[str]:
        ticket = self.zendesk.tickets[ticket_id]
        follow_ups = ticket.get("followup_ids") or ()
        latest = self.zendesk.tickets[follow_ups[-1]] if follow_ups else ticket
        return set(latest["tags"])
