"""Pull a connector's changes into the store, page by page.

Contract: each page (the changes that share a cursor) is stored in one transaction together with the cursor
that follows it and the wishes it registers, so a crash re-reads a page and never skips one. The figures of the
groups a run touched are counted once, when it ends (bridge.workflow.popularity.deferred).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import groupby

from sqlalchemy import Connection, Engine, select

from bridge.errors import reason
from bridge.mapping.helpdesk import HelpdeskMapping
from bridge.model import Change, Marking, Ticket
from bridge.ports import Helpdesk
from bridge.store import unmapped
from bridge.store.cursors import load_cursor, record_run, save_cursor
from bridge.store.schema import tracker_links, wish_groups, wish_tickets, wishes
from bridge.store.tickets import find_ticket_id, mark_deleted, upsert_tickets
from bridge.tracker.requests import request_epic_update
from bridge.workflow.popularity import deferred, refresh_for_tickets, refresh_stale

log = logging.getLogger(__name__)
Intake = Callable[[Connection, list[int]], int]
"""Registers wishes for the given stored wish-ticket ids inside the page's transaction; returns how many."""


@dataclass
class SyncSummary:
    source: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    wishes: int = 0
    pages: int = 0
    api_calls: int = 0
    unmapped: list[unmapped.Unmapped] = field(default_factory=list)  # after the run, for the whole source
    error: str | None = None
    replies: int = 0  # customers' answers to questions collected after the run (bridge/sync/replies.py)

    @property
    def tickets(self) -> int:
        return self.new + self.changed + self.unchanged + self.deleted

    def line(self) -> str:
        if self.error:
            return f"{self.source}: failed: {self.error}"
        answers = f"; {self.replies} answers to questions" if self.replies else ""
        return (f"{self.source}: {self.new} new, {self.changed} changed, {self.deleted} deleted, "
                f"{self.unchanged} unchanged tickets; {self.wishes} wishes found{answers}; {self.api_calls} API calls")


def _pages(changes: Iterable[Change]) -> Iterator[tuple[str, list[Change]]]:
    for cursor, page in groupby(changes, key=lambda change: change.cursor):
        yield cursor, list(page)


def _groups_with_epics(conn: Connection, ticket_ids: list[int]) -> list[int]:
    """The approved groups of these tickets whose epic Jira still has."""
    return list(conn.execute(
        select(wishes.c.group_id).distinct()
        .join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
        .join(wish_groups, wish_groups.c.id == wishes.c.group_id)
        .join(tracker_links, tracker_links.c.group_id == wishes.c.group_id)
        .where(wish_tickets.c.ticket_id.in_(ticket_ids), wish_groups.c.state == "approved",
               tracker_links.c.missing_at.is_(None))
        .order_by(wishes.c.group_id)
    ).scalars())


def _refresh_epics(conn: Connection, ticket_ids: list[int]) -> None:
    """Changed tickets may change an approved group's popularity: ask for its epic's description again (a
    description that says the same is not rewritten)."""
    groups = _groups_with_epics(conn, ticket_ids) if ticket_ids else []
    if groups:

        for group_id in groups:
            request_epic_update(conn, group_id)


def store_tickets(conn: Connection, page: list[Ticket], mapping: HelpdeskMapping | None,
                  summary: SyncSummary) -> list[int]:
    """Store tickets with their marking; returns the ids of wish tickets that are new or changed. A ticket
    deleted upstream is flagged, never removed (one never seen before is stored already flagged). The epics of
    approved groups whose tickets changed are brought up to date."""
    known = {t.ref: find_ticket_id(conn, t.ref) for t in page if t.deleted}
    live = [t for t in page if not t.deleted or known[t.ref] is None]
    for ticket in page:
        if ticket.deleted and ticket not in live:
            summary.deleted += mark_deleted(conn, ticket.ref)
    markings = [mapping.apply(t) if mapping else Marking(tags=t.tags) for t in live]
    wish_ids: list[int] = []
    stored_rows = upsert_tickets(conn, list(zip(live, markings, strict=True)))
    if mapping:
        unmapped.record(conn, {stored.id: (ticket.ref.source, mapping.unmapped(ticket))
                               for ticket, stored in zip(live, stored_rows, strict=True)})
    for ticket, marking, stored in zip(live, markings, stored_rows, strict=True):
        summary.deleted += ticket.deleted
        summary.new += stored.created and not ticket.deleted
        summary.changed += stored.changed and not stored.created
        summary.unchanged += not stored.changed
        if marking.is_wish and stored.changed and not ticket.deleted:
            wish_ids.append(stored.id)
    changed = [stored.id for stored in stored_rows if stored.changed and not stored.created]
    refresh_for_tickets(conn, [*changed, *(found for found in known.values() if found is not None)])
    _refresh_epics(conn, changed)
    return wish_ids


@contextmanager
def failure_recorded(engine: Engine, source: str, summary: SyncSummary) -> Iterator[None]:
    """An error inside becomes `source`'s last run on the operations page (with its reason and the counts so
    far), then propagates."""
    try:
        yield
    except Exception as error:
        summary.error = reason(error)
        with engine.begin() as conn:
            record_run(conn, source, stats=asdict(summary), error=summary.error)
        raise


def sync_once(
    engine: Engine, connector: Helpdesk, mapping: HelpdeskMapping | None, *,
    intake: Intake | None = None, progress: Callable[[SyncSummary], None] | None = None,
    api_calls: Callable[[], int] = lambda: 0,
) -> SyncSummary:
    """Read every change since the stored cursor; returns what happened. A failure is recorded, then raised."""
    summary = SyncSummary(connector.name)
    with failure_recorded(engine, connector.name, summary):
        with engine.connect() as conn:
            since = load_cursor(conn, connector.name)
        with deferred():
            for cursor, page in _pages(connector.fetch_changes(since)):
                with engine.begin() as conn:
                    wish_ids = store_tickets(conn, [change.ticket for change in page], mapping, summary)
                    if intake and wish_ids:
                        summary.wishes += intake(conn, wish_ids)
                    save_cursor(conn, connector.name, cursor)
                summary.pages += 1
                summary.api_calls = api_calls()
                if progress:
                    progress(summary)
    summary.api_calls = api_calls()
    with engine.begin() as conn:
        refresh_stale(conn)
        record_run(conn, connector.name, stats=asdict(summary))
        summary.unmapped = unmapped.counts(conn, connector.name)
    log.info("sync.done", extra=asdict(summary))
    for value in summary.unmapped:
        log.warning("sync.unmapped", extra=asdict(value))
    return summary
