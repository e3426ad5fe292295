"""A wish group whose customers write in different languages, built row by row, and what the helpdesk got."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from bridge.outbox.drain import DrainSummary, drain, ticket_patch_handler
from bridge.outbox.notify import TICKET_PATCH
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.workflow.popularity import refresh
from tests.doubles import MemoryHelpdesk

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def add_customer(conn: Connection, group_id: int, external_id: str, language: str, wish_title: str) -> int:
    """One zendesk ticket in `language` with its own wish titled `wish_title`; returns the ticket id."""
    ticket_id = conn.execute(tickets.insert().values(
        source="zendesk", external_id=external_id, url=f"https://desk.example/{external_id}", subject=wish_title,
        requester_id=f"r-{external_id}", organization_id=f"org-{external_id}", tags=[], language=language,
        first_seen_at=NOW, last_seen_at=NOW, content_hash="x", raw={}).returning(tickets.c.id)).scalar_one()
    wish_id = conn.execute(wishes.insert().values(
        group_id=group_id, door="helpdesk", title=wish_title, text=wish_title, created_by="sync",
        created_at=NOW).returning(wishes.c.id)).scalar_one()
    conn.execute(wish_tickets.insert().values(wish_id=wish_id, ticket_id=ticket_id, linked_by="sync", linked_at=NOW))
    refresh(conn, [group_id])
    return int(ticket_id)


def a_group(conn: Connection, customers: list[tuple[str, str]], *, title: str = "Экспорт отчётов в Excel",
            state: str = "grouped", created_at: datetime = NOW, **values: Any) -> int:
    """A group in `state` with one ticket per (language, own wish title), external ids `<group>-<n>`."""
    group_id = int(conn.execute(wish_groups.insert().values(
        title=title, state=state, notes="", epoch=0, created_at=created_at, updated_at=created_at, **values,
    ).returning(wish_groups.c.id)).scalar_one())
    for number, (language, wish_title) in enumerate(customers):
        add_customer(conn, group_id, f"{group_id}-{number}", language, wish_title)
    refresh(conn, [group_id])
    return group_id


def send(engine: Engine, desk: MemoryHelpdesk) -> DrainSummary:
    """Drain the outbox's due ticket messages into `desk`."""
    return drain(engine, {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})}, limits={"zendesk": 100})


def comment_of(desk: MemoryHelpdesk, external_id: str) -> str:
    """The one comment a ticket got."""
    [comment] = desk.messages[external_id]
    return comment
