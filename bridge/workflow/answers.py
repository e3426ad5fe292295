"""The customers' answers to the analyst's questions as the admin pages show them (read models; bridge/sync/
replies.py collects them). Answers belong to their tickets, so a group shows those of every ticket it holds now,
those of groups merged into it included (wishes and their tickets move with a merge, and the questions, which are
group comments, move with them). A group is `answered` when at least one of its tickets answered a question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.store.schema import comments, ticket_replies, tickets, wish_tickets, wishes
from bridge.store.tickets import as_utc


@dataclass(frozen=True)
class Answer:
    question: str
    body: str
    written_at: datetime


@dataclass(frozen=True)
class TicketAnswers:
    """One ticket's answers, oldest first."""

    ticket_id: int
    source: str
    external_id: str
    url: str
    requester: str
    answers: tuple[Answer, ...]


def group_answers(conn: Connection, group_id: int) -> tuple[TicketAnswers, ...]:
    """The answers on the group's tickets, ticket by ticket (the ticket answered first, first)."""
    rows = conn.execute(
        select(tickets.c.id, tickets.c.source, tickets.c.external_id, tickets.c.url, tickets.c.requester_name,
               tickets.c.requester_email, tickets.c.requester_id, comments.c.body.label("question"),
               ticket_replies.c.body, ticket_replies.c.written_at)
        .join(wish_tickets, wish_tickets.c.ticket_id == ticket_replies.c.ticket_id)
        .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
        .join(tickets, tickets.c.id == ticket_replies.c.ticket_id)
        .outerjoin(comments, comments.c.id == ticket_replies.c.question_id)
        .where(wishes.c.group_id == group_id)
        .order_by(ticket_replies.c.written_at, ticket_replies.c.id))
    heads: dict[int, Any] = {}
    said: dict[int, list[Answer]] = {}
    for row in rows:
        written = as_utc(row.written_at)
        assert written is not None  # NOT NULL
        heads.setdefault(row.id, row)
        said.setdefault(row.id, []).append(Answer(row.question or "", row.body, written))
    return tuple(TicketAnswers(ticket_id, row.source, row.external_id, row.url,
                               row.requester_name or row.requester_email or row.requester_id or "",
                               tuple(said[ticket_id])) for ticket_id, row in heads.items())


def answered_groups(conn: Connection, group_ids: Sequence[int]) -> set[int]:
    """Which of these groups hold a ticket that answered a question."""
    if not group_ids:
        return set()
    return set(conn.execute(
        select(wishes.c.group_id).distinct()
        .join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
        .join(ticket_replies, ticket_replies.c.ticket_id == wish_tickets.c.ticket_id)
        .where(wishes.c.group_id.in_(list(group_ids)))).scalars())
