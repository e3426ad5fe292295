"""The customers' answers to the analyst's questions ("Ask the customers"), collected from their helpdesk tickets
into `ticket_replies`. Only the Helpdesk port is used here.

A ticket is asked once a question's outbox item (`question:c{comment}:g{group}:t{ticket}`) is done: the question
is on the ticket from then on. After each sync of a helpdesk (bridge/worker/jobs.py), every ticket of it asked
within ANSWER_WINDOW that changed since its comments were last read (`tickets.last_seen_at` against
`reply_checks`: a sync or a webhook stored the change) is read with Helpdesk.comments from just before its first
question. A public comment by the ticket's requester is an answer, to the last question that had reached the
ticket when it was written. Agents' comments, internal notes and the bridge's own messages (written by the
bridge's helpdesk user) are not. Each answer is stored once (unique per ticket and the helpdesk's comment id), so
reading a ticket again, after a crash or a failed run, adds nothing; a ticket is marked read only after its
answers are stored, so one whose read failed is read again after the next sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from bridge.errors import FatalError, reason
from bridge.model import TicketComment, TicketRef
from bridge.outbox.keys import QuestionKey, question_keys
from bridge.ports import Helpdesk
from bridge.store.once import insert_once
from bridge.store.schema import outbox, reply_checks, ticket_replies, tickets
from bridge.store.tickets import as_utc

log = logging.getLogger(__name__)
ANSWER_WINDOW = timedelta(days=90)  # how long after a question reached a ticket its answers are looked for
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Asked:
    """A ticket some question reached, read again since it changed: `questions` are (the second it reached the
    ticket, the question's comment id), oldest first."""

    ticket_id: int
    ref: TicketRef
    requester_id: str | None
    seen_at: datetime
    questions: tuple[tuple[datetime, int], ...]


def asked_tickets(conn: Connection, source: str, now: datetime) -> list[Asked]:
    """The tickets of `source` whose questions reached them within ANSWER_WINDOW and that changed since their
    comments were last read (or were never read)."""
    questions: dict[int, list[tuple[datetime, int]]] = {}
    for key, done_at in conn.execute(select(outbox.c.idempotency_key, outbox.c.done_at).where(
            outbox.c.target == source, outbox.c.state == "done", outbox.c.idempotency_key.like(question_keys()),
            outbox.c.done_at >= now - ANSWER_WINDOW)):
        asked = QuestionKey.parse(key)
        reached = as_utc(done_at)
        assert reached is not None  # a done item has its time
        questions.setdefault(asked.ticket_id, []).append((reached.replace(microsecond=0), asked.comment_id))
    if not questions:
        return []
    rows = conn.execute(
        select(tickets.c.id, tickets.c.external_id, tickets.c.requester_id, tickets.c.last_seen_at,
               reply_checks.c.seen_at)
        .outerjoin(reply_checks, reply_checks.c.ticket_id == tickets.c.id)
        .where(tickets.c.id.in_(sorted(questions)), ~tickets.c.deleted).order_by(tickets.c.id))
    return [Asked(row.id, TicketRef(source, row.external_id), row.requester_id, row.last_seen_at,
                  tuple(sorted(questions[row.id])))
            for row in rows if as_utc(row.seen_at) != as_utc(row.last_seen_at)]


def since(asked: Asked) -> datetime:
    """From when the ticket's comments are read: a second before its first question reached it (helpdesks keep
    comment times to the second), so an answer written in that very second is not missed."""
    return asked.questions[0][0] - SECOND


def answers(asked: Asked, comments: list[TicketComment]) -> list[tuple[TicketComment, int]]:
    """The requester's public comments among `comments` (oldest first) that follow the question in the thread,
    each with the question it answers: the last one that reached the ticket in an earlier second (the first one,
    for an answer within its second). A comment of the requester before the question (the ticket's own
    description, written in the same second on a fast day) answers nothing. Pure."""
    if not asked.requester_id:
        return []
    found = []
    asked_before = False
    for comment in comments:
        if comment.created_at <= since(asked):
            continue
        if comment.author_id != asked.requester_id:
            asked_before = True   # the question, written by the bridge's user, comes first in the thread
        elif comment.public and asked_before:
            earlier = [question for reached, question in asked.questions if reached < comment.created_at]
            found.append((comment, earlier[-1] if earlier else asked.questions[0][1]))
    return found


def _store(conn: Connection, asked: Asked, found: list[tuple[TicketComment, int]], now: datetime) -> int:
    stored = 0
    for comment, question in found:
        stored += insert_once(conn, ticket_replies, (ticket_replies.c.ticket_id == asked.ticket_id)
                              & (ticket_replies.c.external_id == comment.id), {
            "ticket_id": asked.ticket_id, "external_id": comment.id, "question_id": question,
            "body": comment.body.strip(), "written_at": comment.created_at, "collected_at": now})
    _mark_read(conn, asked)
    return stored


def _mark_read(conn: Connection, asked: Asked) -> None:
    done = conn.execute(reply_checks.update().where(reply_checks.c.ticket_id == asked.ticket_id)
                        .values(seen_at=asked.seen_at))
    if not done.rowcount:
        try:
            with conn.begin_nested():
                conn.execute(reply_checks.insert().values(ticket_id=asked.ticket_id, seen_at=asked.seen_at))
        except IntegrityError:  # another run read the ticket at the same moment
            pass


def collect_replies(engine: Engine, connector: Helpdesk, now: datetime | None = None) -> int:
    """Read the comments of the connector's asked tickets that changed and store their answers; returns how many
    answers are new. A ticket the helpdesk refuses to show (FatalError: deleted, out of the bridge's sight) is
    logged and left until it changes again; any other error ends the run (the next sync goes on)."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        waiting = asked_tickets(conn, connector.name, now)
    stored = 0
    for asked in waiting:
        try:  # a ticket without a requester has no one to answer
            comments = connector.comments(asked.ref, since(asked)) if asked.requester_id else []
        except FatalError as error:
            log.warning("replies.unreadable", extra={"ticket": str(asked.ref), "error": reason(error)})
            comments = []
        with engine.begin() as conn:
            stored += _store(conn, asked, answers(asked, comments), now)
    if stored:
        log.info("replies.collected", extra={"source": connector.name, "replies": stored, "tickets": len(waiting)})
    return stored

