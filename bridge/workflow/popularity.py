"""How many customers want a wish group: computed from its tickets, never typed. Each organisation counts
once, whatever the number of its tickets.

`refresh` stores what it computes (bridge.store.group_stats), so that lists sort by it without reading tickets:
it runs in the transaction of every write that moves wishes between groups (bridge.workflow.changes.log) or
changes their tickets (bridge.sync.pull.store_tickets). Within `deferred` (a sync run) it only marks the groups
stale in that transaction, and `refresh_stale` counts each of them once at the end: a run of many pages into a
few large groups would otherwise count those groups again at every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, func, select

from bridge.model import Popularity
from bridge.store import group_stats
from bridge.store.group_stats import GroupStats
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes


def popularities(conn: Connection, group_ids: Sequence[int]) -> dict[int, Popularity]:
    """Popularity of many groups; a group without live tickets gets an empty Popularity. The store counts and
    reduces the tickets to their distinct organisations, requesters and channels, so a group of thousands of
    tickets from a few hundred customers reads a few hundred rows."""
    ids = list(group_ids)
    live = (select(wishes.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
            .join(tickets, tickets.c.id == wish_tickets.c.ticket_id)
            .where(wishes.c.group_id.in_(ids), ~tickets.c.deleted))
    requester = func.coalesce(func.nullif(tickets.c.requester_id, ""), func.nullif(tickets.c.requester_email, ""))
    counted = {row.group_id: row for row in conn.execute(live.add_columns(
        func.count().label("tickets"),
        func.count(func.distinct(tickets.c.source + ":" + requester)).label("requesters"),
    ).group_by(wishes.c.group_id))}
    parts: dict[str, dict[int, list[Any]]] = {}
    for name, columns in (("organizations", (tickets.c.organization_id, tickets.c.organization_name,
                                             tickets.c.segment, tickets.c.paid_accounts, tickets.c.source)),
                          ("channels", (tickets.c.channel,))):
        found = parts.setdefault(name, {})
        for row in conn.execute(live.add_columns(*columns).distinct()):
            found.setdefault(row.group_id, []).append(row)
    return {group_id: summarize(counted.get(group_id), parts["organizations"].get(group_id, []),
                                parts["channels"].get(group_id, [])) for group_id in ids}


def popularity(conn: Connection, group_id: int) -> Popularity:
    return popularities(conn, [group_id])[group_id]


_deferred: ContextVar[bool] = ContextVar("popularity_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Within, `refresh` marks the groups stale instead of counting them (see the module docstring)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def refresh_stale(conn: Connection, chunk: int = 1000) -> int:
    """Count every group marked stale, `chunk` groups a query, and clear the marks; returns how many."""
    ids = group_stats.stale(conn)
    for start in range(0, len(ids), chunk):
        _count(conn, ids[start:start + chunk])
    group_stats.clear_stale(conn, ids)
    return len(ids)


def refresh(conn: Connection, group_ids: Iterable[int]) -> None:
    """Count these groups again from their wishes and tickets and store the figures (see the module docstring)."""
    ids = sorted(set(group_ids))
    if not ids:
        return
    if _deferred.get():
        group_stats.mark_stale(conn, ids)
        return
    _count(conn, ids)


def _count(conn: Connection, ids: list[int]) -> None:
    group_stats.lock(conn, ids)
    counts = {row.group_id: row for row in conn.execute(
        select(wishes.c.group_id, func.count().label("wishes"), func.min(wishes.c.created_at).label("first"))
        .where(wishes.c.group_id.in_(ids)).group_by(wishes.c.group_id))}
    popular = popularities(conn, ids)
    group_stats.save(conn, {group_id: GroupStats(counts[group_id].wishes, popular[group_id], counts[group_id].first)
                            if group_id in counts else GroupStats(0, popular[group_id]) for group_id in ids})


def refresh_for_tickets(conn: Connection, ticket_ids: Iterable[int]) -> None:
    """`refresh` the groups whose wishes hold any of these tickets."""
    wanted = list(ticket_ids)
    if wanted:
        refresh(conn, conn.execute(select(wishes.c.group_id).distinct()
                                   .join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
                                   .where(wish_tickets.c.ticket_id.in_(wanted))).scalars())


def refresh_all(conn: Connection, chunk: int = 1000) -> None:
    """`refresh` every group, `chunk` groups a query: fills the figures of a store that had none."""
    ids = list(conn.execute(select(wish_groups.c.id).order_by(wish_groups.c.id)).scalars())
    for start in range(0, len(ids), chunk):
        refresh(conn, ids[start:start + chunk])


def organization_key(row: Any) -> str:
    """Who an organisation is, whichever door its ticket came through: its name, else its id within its
    helpdesk; "" for a ticket without one. `row` has organization_name, organization_id and source."""
    return (row.organization_name or "").strip().casefold() or (
        f"{row.source}:{row.organization_id}" if row.organization_id else "")


def summarize(counted: Any, organization_rows: Sequence[Any], channel_rows: Sequence[Any]) -> Popularity:
    """A group's figures from its counts (tickets, requesters: None for a group without tickets) and its distinct
    organisation and channel values; an organisation counts once (organization_key), with its largest
    paid-account figure."""
    organizations: dict[str, tuple[str, int]] = {}
    for row in organization_rows:
        org = organization_key(row)
        if org:
            previous = organizations.get(org, ("unknown", 0))
            organizations[org] = (row.segment or previous[0], max(row.paid_accounts or 0, previous[1]))
    by_segment: dict[str, int] = {}
    segment_paid: dict[str, int] = {}
    for segment, paid in organizations.values():
        by_segment[segment] = by_segment.get(segment, 0) + 1
        segment_paid[segment] = segment_paid.get(segment, 0) + paid
    return Popularity(
        tickets=counted.tickets if counted else 0,
        organizations=len(organizations),
        requesters=counted.requesters if counted else 0,
        channels=tuple(sorted({row.channel for row in channel_rows if row.channel})),
        paid_accounts=sum(paid for _, paid in organizations.values()),
        by_segment=dict(sorted(by_segment.items())),
        segment_paid_accounts=dict(sorted(segment_paid.items())),
    )
