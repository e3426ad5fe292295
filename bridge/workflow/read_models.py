"""Read models of the wish workflow for the admin pages and the CLI. Reads only; no side effects.

Scores, suggested queues and `needs_attention` are computed on read, never stored: a group needs attention
when it is declined or deferred and new demand arrived after its decision (until acknowledged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select

from bridge.grouping.live import using_index
from bridge.grouping.similarity import Suggestion
from bridge.grouping.store_index import StoredDoc, encoder_of, stored_docs
from bridge.grouping.topic_model import MODELS, TopicSuggestion
from bridge.grouping.verdicts import rejected_with
from bridge.mapping import Mappings
from bridge.store.audit import trail
from bridge.store.schema import audit, comments, outbox, tickets, tracker_links, wish_groups, wish_tickets, wishes
from bridge.workflow.changes import allowed_actions, load_group
from bridge.workflow.popularity import Popularity, popularities
from bridge.workflow.priority import PriorityRules, Score, score
from bridge.workflow.routing import RoutingRules, route_for

ATTENTION_CLEARED_BY = ("decline", "defer", "acknowledge")
SIMILAR_QUERIES = 30  # a large group is compared through its first wishes, not all of them
INBOX_STATES = ("new", "grouped")


@dataclass(frozen=True)
class GroupRow:
    id: int
    title: str
    state: str
    queue: str | None
    importance: str | None
    category: str | None
    subcategory: str | None
    wishes: int
    tickets: int
    organizations: int
    score: float
    suggested_queue: str
    suggested_rule: str | None
    needs_attention: bool
    epic_key: str | None
    epic_status: str | None
    updated_at: datetime


@dataclass(frozen=True)
class TicketView:
    id: int
    source: str
    external_id: str
    url: str
    subject: str
    requester: str
    organization: str
    segment: str | None
    channel: str | None
    language: str | None
    told: tuple[tuple[str, str], ...] = ()   # (stage, outbox state) in the order the stages were queued


@dataclass(frozen=True)
class WishView:
    id: int
    door: str
    title: str
    text: str
    join_mode: str | None
    join_score: float | None
    created_by: str
    created_at: datetime
    tickets: tuple[TicketView, ...]


@dataclass(frozen=True)
class SimilarGroup:
    group_id: int
    title: str
    state: str
    score: float
    text_score: float
    marking_score: float


@dataclass(frozen=True)
class GroupDetail:
    group: GroupRow
    notes: str
    reason: str | None
    legal_reference: str | None
    legal_deadline: date | None
    epoch: int
    merged_into: int | None
    created_at: datetime
    wishes: tuple[WishView, ...]
    popularity: Popularity
    score: Score
    comments: tuple[dict[str, Any], ...]
    audit: tuple[dict[str, Any], ...]
    similar: tuple[SimilarGroup, ...]
    tracker_link: dict[str, Any] | None
    allowed_actions: frozenset[str]
    suggested_topic: TopicSuggestion | None = None


def _base() -> Select[Any]:
    return (
        select(wish_groups, tracker_links.c.issue_key.label("epic_key"), tracker_links.c.status.label("epic_status"))
        .outerjoin(tracker_links, tracker_links.c.group_id == wish_groups.c.id)
    )


def _attention(conn: Connection, group_ids: Sequence[int]) -> set[int]:
    rows = conn.execute(
        select(audit.c.entity_id, audit.c.action, func.max(audit.c.id))
        .where(audit.c.entity == "group", audit.c.entity_id.in_([str(g) for g in group_ids]),
               audit.c.action.in_(("demand_raised", *ATTENTION_CLEARED_BY)))
        .group_by(audit.c.entity_id, audit.c.action)
    )
    raised: dict[int, int] = {}
    cleared: dict[int, int] = {}
    for entity_id, action, last in rows:
        seen = raised if action == "demand_raised" else cleared
        seen[int(entity_id)] = max(seen.get(int(entity_id), 0), last)
    return {group_id for group_id, last in raised.items() if last > cleared.get(group_id, 0)}


def _group_text(docs: Sequence[StoredDoc]) -> tuple[str, set[str]]:
    return "\n".join(stored.doc.text for stored in docs), {tag for stored in docs for tag in stored.doc.tags}


def _matches(search: str, record: Any, text: str) -> bool:
    wanted = search.strip().casefold()
    return wanted == str(record.id) or wanted in record.title.casefold() or wanted in text.casefold()


def _rows(conn: Connection, mappings: Mappings, records: Sequence[Any], search: str | None = None, *,
          inbox_only: bool = False, limit: int | None = None) -> list[tuple[GroupRow, Popularity, Score]]:
    """Rows by score, highest first. Every record is scored (popularity in one query); the wishes' texts and
    the routing suggestion, the costly part, are read only for the `limit` best ones, unless `search` needs
    the texts of all. `inbox_only` keeps new and grouped groups, and declined or deferred ones with new demand."""
    ids = [record.id for record in records]
    attention = _attention(conn, ids)
    rules, routing, today = PriorityRules.from_data(mappings.get("priority")), RoutingRules.from_data(
        mappings.get("routing")), datetime.now(UTC).date()
    popular_by_group = popularities(conn, ids)
    scored = [(record, popular_by_group[record.id], score(popular_by_group[record.id], record._mapping, rules,
                                                          today)) for record in records
              if not inbox_only or record.state in INBOX_STATES or record.id in attention]
    scored.sort(key=lambda entry: (-entry[2].total, -entry[0].id))
    if limit is not None and not search:
        scored = scored[:limit]
    docs: dict[int, list[StoredDoc]] = {}
    for stored in stored_docs(conn, states=None, group_ids=[record.id for record, _, _ in scored]):
        docs.setdefault(stored.group_id, []).append(stored)
    rows = []
    for record, popular, value in scored:
        text, tags = _group_text(docs.get(record.id, []))
        if search and not _matches(search, record, text):
            continue
        queue, rule = route_for(f"{record.title}\n{text}", routing, category=record.category,
                                subcategory=record.subcategory, tags=tags)
        rows.append((GroupRow(
            id=record.id, title=record.title, state=record.state, queue=record.queue, importance=record.importance,
            category=record.category, subcategory=record.subcategory, wishes=len(docs.get(record.id, [])),
            tickets=popular.tickets, organizations=popular.organizations, score=value.total,
            suggested_queue=queue, suggested_rule=rule.name if rule else None,
            needs_attention=record.state in ("declined", "deferred") and record.id in attention,
            epic_key=record.epic_key, epic_status=record.epic_status, updated_at=record.updated_at,
        ), popular, value))
    return rows[:limit] if limit is not None else rows


def list_groups(conn: Connection, mappings: Mappings, *, state: str | None = None, queue: str | None = None,
                search: str | None = None, limit: int = 200) -> list[GroupRow]:
    """Groups by score, highest first; merged groups only when asked for by state. `search` matches the
    group id, or text in the title or any wish (case-insensitive in every language)."""
    query = _base().where(wish_groups.c.state == state if state else wish_groups.c.state != "merged")
    if queue:
        query = query.where(wish_groups.c.queue == queue)
    return [row for row, _, _ in _rows(conn, mappings, list(conn.execute(query)), search, limit=limit)]


def new_wishes(conn: Connection, mappings: Mappings, limit: int = 200) -> list[GroupRow]:
    """The product manager's inbox: new and grouped groups, and declined or deferred ones with new demand."""
    query = _base().where(wish_groups.c.state.in_((*INBOX_STATES, "declined", "deferred")))
    return [row for row, _, _ in _rows(conn, mappings, list(conn.execute(query)), inbox_only=True, limit=limit)]


def _stages_told(conn: Connection, group_id: int) -> dict[int, tuple[tuple[str, str], ...]]:
    """Per ticket id: the stage messages queued for it and their outbox state (keys of bridge.outbox.notify)."""
    told: dict[int, list[tuple[str, str]]] = {}
    rows = conn.execute(select(outbox.c.idempotency_key, outbox.c.state)
                        .where(outbox.c.idempotency_key.like(f"stage:%:g{group_id}:%")).order_by(outbox.c.id))
    for key, state in rows:
        _, stage, _group, _epoch, ticket = key.split(":")
        told.setdefault(int(ticket[1:]), []).append((stage, state))
    return {ticket: tuple(stages) for ticket, stages in told.items()}


def _wish_views(conn: Connection, group_id: int) -> tuple[WishView, ...]:
    told = _stages_told(conn, group_id)
    ticket_rows = conn.execute(
        select(wish_tickets.c.wish_id, tickets).join(tickets, tickets.c.id == wish_tickets.c.ticket_id)
        .join(wishes, wishes.c.id == wish_tickets.c.wish_id).where(wishes.c.group_id == group_id)
        .order_by(tickets.c.id)
    )
    by_wish: dict[int, list[TicketView]] = {}
    for t in ticket_rows:
        by_wish.setdefault(t.wish_id, []).append(TicketView(
            id=t.id, source=t.source, external_id=t.external_id, url=t.url, subject=t.subject,
            requester=t.requester_name or t.requester_email or t.requester_id or "",
            organization=t.organization_name or t.organization_id or "", segment=t.segment, channel=t.channel,
            language=t.language, told=told.get(t.id, ())))
    return tuple(
        WishView(id=w.id, door=w.door, title=w.title, text=w.text, join_mode=w.join_mode, join_score=w.join_score,
                 created_by=w.created_by, created_at=w.created_at, tickets=tuple(by_wish.get(w.id, ())))
        for w in conn.execute(select(wishes).where(wishes.c.group_id == group_id).order_by(wishes.c.id))
    )


def similar_groups(conn: Connection, mappings: Mappings, group_id: int, k: int = 5) -> list[SimilarGroup]:
    """The groups most like this one, best first: each scored by its best match with any of this group's
    wishes (its first SIMILAR_QUERIES), so a single-wish group sees exactly the scores intake saw. Groups the
    product manager said are not the same as this one are left out."""
    docs = stored_docs(conn, states=None, group_ids=[group_id])[:SIMILAR_QUERIES]
    if not docs:
        return []
    exclude = {str(group_id), *map(str, rejected_with(conn, group_id))}
    best: dict[str, Suggestion] = {}
    with using_index(conn, mappings) as index:
        index.prepare([stored.doc.text for stored in docs])
        for stored in docs:
            for found in index.suggest(stored.doc, k, exclude):
                if found.group_id not in best or found.score > best[found.group_id].score:
                    best[found.group_id] = found
    ranked = sorted(best.values(), key=lambda s: (-s.score, int(s.group_id)))[:k]
    groups = {row.id: row for row in conn.execute(
        select(wish_groups.c.id, wish_groups.c.title, wish_groups.c.state)
        .where(wish_groups.c.id.in_([int(s.group_id) for s in ranked])))}
    return [SimilarGroup(int(s.group_id), groups[int(s.group_id)].title, groups[int(s.group_id)].state, s.score,
                         s.text_score, s.marking_score) for s in ranked]


def _one(conn: Connection, mappings: Mappings, group_id: int) -> tuple[Any, GroupRow, Popularity, Score]:
    load_group(conn, group_id)
    record = conn.execute(_base().where(wish_groups.c.id == group_id)).one()
    return (record, *_rows(conn, mappings, [record])[0])


def group_row(conn: Connection, mappings: Mappings, group_id: int) -> GroupRow:
    """One group's row as list_groups shows it; WorkflowError for an unknown id."""
    return _one(conn, mappings, group_id)[1]


def group_detail(conn: Connection, mappings: Mappings, group_id: int) -> GroupDetail:
    """Everything the group page shows; WorkflowError for an unknown id."""
    record, row, popular, value = _one(conn, mappings, group_id)
    link = conn.execute(select(tracker_links).where(tracker_links.c.group_id == group_id)).first()
    return GroupDetail(
        group=row, notes=record.notes, reason=record.reason, legal_reference=record.legal_reference,
        legal_deadline=record.legal_deadline, epoch=record.epoch, merged_into=record.merged_into,
        created_at=record.created_at, wishes=_wish_views(conn, group_id), popularity=popular, score=value,
        comments=tuple(dict(c._mapping) for c in conn.execute(
            select(comments).where(comments.c.group_id == group_id).order_by(comments.c.id))),
        audit=tuple(trail(conn, "group", group_id)),
        similar=tuple(similar_groups(conn, mappings, group_id)) if record.state != "merged" else (),
        tracker_link=dict(link._mapping) if link else None, allowed_actions=allowed_actions(record.state),
        suggested_topic=suggested_topic(conn, mappings, group_id) if record.category is None else None,
    )


def suggested_topic(conn: Connection, mappings: Mappings, group_id: int, *,
                    wait: bool = False) -> TopicSuggestion | None:
    """The topic the store's marked tickets suggest for a group without one, from its wishes' text (shown with
    its confidence, never applied); None while the model is still being fitted (`wait` waits for it)."""
    texts = conn.execute(select(wishes.c.text).where(wishes.c.group_id == group_id).order_by(wishes.c.id)).scalars()
    model = MODELS.model(conn, encoder_of(mappings), wait=wait)
    return model.suggest("\n".join(texts)) if model is not None else None
