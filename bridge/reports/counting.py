"""Counting tickets and wishes per topic and period in the store; the same SQL on SQLite and PostgreSQL.

A *source* is a subquery with the columns `category`, `subcategory` and `created_at` (UTC).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, func, select

from bridge.reports.periods import Period
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes

Topic = tuple[str | None, str | None]


def ticket_topics() -> Subquery:
    """Every ticket that is not deleted, with its own marking."""
    return (
        select(tickets.c.category, tickets.c.subcategory, tickets.c.created_at)
        .where(~tickets.c.deleted)
        .subquery("ticket_topics")
    )


def wish_topics() -> Subquery:
    """Every wish with the marking of its first (lowest id) ticket that is not deleted; a wish without such a
    ticket takes its group's marking."""
    first = (
        select(wish_tickets.c.wish_id, func.min(tickets.c.id).label("ticket_id"))
        .join(tickets, tickets.c.id == wish_tickets.c.ticket_id)
        .where(~tickets.c.deleted)
        .group_by(wish_tickets.c.wish_id)
        .subquery("first_ticket")
    )
    linked = tickets.alias("linked")
    has_ticket = first.c.ticket_id.is_not(None)
    return (
        select(
            case((has_ticket, linked.c.category), else_=wish_groups.c.category).label("category"),
            case((has_ticket, linked.c.subcategory), else_=wish_groups.c.subcategory).label("subcategory"),
            wishes.c.created_at,
        )
        .select_from(
            wishes.outerjoin(first, first.c.wish_id == wishes.c.id)
            .outerjoin(linked, linked.c.id == first.c.ticket_id)
            .outerjoin(wish_groups, wish_groups.c.id == wishes.c.group_id)
        )
        .subquery("wish_topics")
    )


def count_by_topic(
    conn: Connection, source: Subquery, periods: Sequence[Period], *, where: Sequence[ColumnElement[bool]] = (),
) -> dict[Topic, tuple[int, ...]]:
    """(category, subcategory) -> one count per period, for the topics with at least one row in `periods`.

    `periods` must be consecutive; `where` narrows the rows (conditions on the source's columns)."""
    created = source.c.created_at
    per_period = [
        func.sum(case((and_(created >= p.start_at, created < p.end_at), 1), else_=0)) for p in periods
    ]
    rows = conn.execute(
        select(source.c.category, source.c.subcategory, *per_period)
        .where(created >= periods[0].start_at, created < periods[-1].end_at, *where)
        .group_by(source.c.category, source.c.subcategory)
    )
    return {(row[0], row[1]): tuple(int(n) for n in row[2:]) for row in rows}
