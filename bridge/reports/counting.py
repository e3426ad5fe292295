"""Counting tickets and wishes per topic and period in the store; the same SQL on SQLite and PostgreSQL.

A *source* is a subquery with the columns `category`, `subcategory`, `created_at` (UTC) and `undated`. Every
row is counted on its own date: a ticket on the day the helpdesk says it was created (an import of six
months lands in its six months, not in the month it was imported), and only when the vendor gave no date on
the day the bridge first saw it, which `undated` marks so that reports can say how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, func, select, true

from bridge.reports.periods import Period
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes

Topic = tuple[str | None, str | None]


def own_date(table: Any) -> ColumnElement[Any]:
    """A ticket's own date: the helpdesk's created_at, else when the bridge first saw it."""
    return func.coalesce(table.c.created_at, table.c.first_seen_at)


def ticket_topics() -> Subquery:
    """Every ticket that is not deleted, with its own marking and date."""
    return (
        select(tickets.c.category, tickets.c.subcategory, own_date(tickets).label("created_at"),
               tickets.c.created_at.is_(None).label("undated"))
        .where(~tickets.c.deleted)
        .subquery("ticket_topics")
    )


def wish_topics() -> Subquery:
    """Every wish with the marking and date of its first (lowest id) ticket that is not deleted; a wish without
    such a ticket takes its group's marking and the day it was registered."""
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
            case((has_ticket, own_date(linked)), else_=wishes.c.created_at).label("created_at"),
            and_(has_ticket, linked.c.created_at.is_(None)).label("undated"),
        )
        .select_from(
            wishes.outerjoin(first, first.c.wish_id == wishes.c.id)
            .outerjoin(linked, linked.c.id == first.c.ticket_id)
            .outerjoin(wish_groups, wish_groups.c.id == wishes.c.group_id)
        )
        .subquery("wish_topics")
    )


def _within(source: Subquery, periods: Sequence[Period]) -> ColumnElement[bool]:
    created = source.c.created_at
    return and_(created >= min(p.start_at for p in periods), created < max(p.end_at for p in periods))


def count_by_topic(
    conn: Connection, source: Subquery, periods: Sequence[Period], *, where: Sequence[ColumnElement[bool]] = (),
) -> dict[Topic, tuple[int, ...]]:
    """(category, subcategory) -> one count per period, for the topics with at least one row in `periods`.

    `periods` may overlap or leave gaps; `where` narrows the rows (conditions on the source's columns)."""
    created = source.c.created_at
    per_period = [
        func.sum(case((and_(created >= p.start_at, created < p.end_at), 1), else_=0)) for p in periods
    ]
    rows = conn.execute(
        select(source.c.category, source.c.subcategory, *per_period)
        .where(_within(source, periods), *where)
        .group_by(source.c.category, source.c.subcategory)
    )
    return {(row[0], row[1]): tuple(int(n) for n in row[2:]) for row in rows}


def count_undated(conn: Connection, source: Subquery, periods: Sequence[Period]) -> int:
    """How many rows in `periods` are counted on the day the bridge first saw them (no date from the vendor)."""
    found = conn.execute(select(func.count()).where(_within(source, periods), source.c.undated == true()))
    return int(found.scalar_one())
