"""Read models of the wish workflow for the admin pages, the sidebar and the CLI. Reads only; no side effects.

Lists are sorted, filtered and paged in SQL: the score is computed in the query from each group's stored
popularity (bridge.store.group_stats) and mappings/priority.yaml, and the other orders (SORTS) and filters read
stored figures and indexed columns, so only the rows shown are read in full (their wishes' texts, for the routing
suggestion) and scored with their breakdown. A search reads the candidates' texts
best first until the page is full: it matches in Python, case-insensitively in every language.

A group `needs_attention` when it is declined or deferred and new demand arrived after its decision (until
acknowledged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Numeric, Select, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bridge.grouping.store_index import StoredDoc, encoder_of, stored_docs
from bridge.grouping.topic_model import MODELS, TopicSuggestion
from bridge.mapping import Mappings
from bridge.outbox.keys import StageKey, stage_keys, stage_keys_of_group, ticket_lane
from bridge.store import group_stats
from bridge.store.audit import trail
from bridge.store.schema import audit, comments, outbox, tracker_links, users, wish_groups, wishes
from bridge.store.tickets import group_tickets
from bridge.workflow.answers import answered_groups
from bridge.workflow.changes import allowed_actions, load_group
from bridge.workflow.lookup import absorbed, find_groups
from bridge.workflow.popularity import Popularity
from bridge.workflow.priority import PriorityRules, Score, score
from bridge.workflow.routing import RoutingRules, route_for
from bridge.workflow.suggestions import SuggestedGroup, similar_groups

ATTENTION_CLEARED_BY = ("decline", "defer", "acknowledge")
INBOX_STATES = ("new", "grouped")
SEARCH_BATCH = 500   # candidates whose texts a search reads at a time
SORTS = ("score", "tickets", "organizations", "paid_accounts", "oldest", "activity")
"""List orders: score, popularity (tickets, organisations, paid accounts) highest first; `oldest` by the group's
oldest wish, oldest first; `activity` by its newest audited change, newest first."""
STAGES = ("new", "grouped", "in_analysis", "approved", "in_development", "done", "deferred", "declined")
"""Where a group stands, as the board's columns: its state, except that an approved group whose epic the tracker
has in development (IN_DEVELOPMENT) stands in `in_development`."""
IN_DEVELOPMENT = ("in_development", "testing")
NO_OWNER = "-"   # the owner filter's value for groups nobody owns


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
    answered: bool = False  # a ticket of the group answered a question (bridge.workflow.answers)
    paid_accounts: int = 0
    owner: str | None = None        # the owner's username
    owner_name: str | None = None   # and the name the pages show
    first_wish_at: datetime | None = None
    active_at: datetime | None = None


@dataclass(frozen=True)
class Filters:
    """What a group list shows: each filter None for any; `owner` a username or NO_OWNER."""

    state: str | None = None
    queue: str | None = None
    stage: str | None = None
    segment: str | None = None
    owner: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Card:
    """A group as the board shows it."""

    id: int
    title: str
    tickets: int
    organizations: int
    paid_accounts: int
    owner: str | None
    owner_name: str | None


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    total: int
    cards: tuple[Card, ...]


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
class GroupDetail:
    """`wishes` are those asked for (all by default; `group.wishes` counts every one)."""

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
    similar: tuple[SuggestedGroup, ...]
    tracker_link: dict[str, Any] | None
    allowed_actions: frozenset[str]
    suggested_topic: TopicSuggestion | None = None
    absorbed: tuple[int, ...] = ()   # groups merged into this one (their numbers lead here)


@dataclass(frozen=True)
class _Context:
    """What scoring and routing read from the mappings, once per call."""

    rules: PriorityRules
    routing: RoutingRules
    today: date

    @classmethod
    def of(cls, mappings: Mappings) -> _Context:
        return cls(PriorityRules.from_data(mappings.get("priority")), RoutingRules.from_data(mappings.get("routing")),
                   datetime.now(UTC).date())


def _demand_after_decision() -> Select[Any]:
    """The audit `entity_id` of every group whose newest `demand_raised` row is newer than its newest decline,
    deferral or acknowledgement (read through ix_audit_action: only those actions' rows)."""
    raised = func.max(case((audit.c.action == "demand_raised", audit.c.id)))
    cleared = func.max(case((audit.c.action != "demand_raised", audit.c.id)))
    return (select(audit.c.entity_id)
            .where(audit.c.entity == "group", audit.c.action.in_(("demand_raised", *ATTENTION_CLEARED_BY)))
            .group_by(audit.c.entity_id).having(raised > func.coalesce(cleared, 0)))


def _needs_attention() -> ColumnElement[bool]:
    return and_(wish_groups.c.state.in_(("declined", "deferred")),
                cast(wish_groups.c.id, String).in_(_demand_after_decision()))


def _attention(conn: Connection, records: Sequence[Any]) -> set[int]:
    """Which of these groups need attention."""
    waiting = [str(record.id) for record in records if record.state in ("declined", "deferred")]
    if not waiting:
        return set()
    return {int(entity_id) for entity_id in conn.execute(
        _demand_after_decision().where(audit.c.entity_id.in_(waiting))).scalars()}


def _base() -> Select[Any]:
    stats = group_stats.group_stats.c
    return (
        select(wish_groups, tracker_links.c.issue_key.label("epic_key"), tracker_links.c.status.label("epic_status"),
               users.c.username.label("owner"), users.c.display_name.label("owner_name"),
               stats.tickets, stats.organizations, stats.paid_accounts, stats.first_wish_at)
        .outerjoin(tracker_links, tracker_links.c.group_id == wish_groups.c.id)
        .outerjoin(group_stats.group_stats, stats.group_id == wish_groups.c.id)
        .outerjoin(users, users.c.id == wish_groups.c.owner_id)
    )


def stage_of() -> ColumnElement[str]:
    """The group's STAGES column, in SQL over `_base`."""
    developing = and_(wish_groups.c.state == "approved", tracker_links.c.stage.in_(IN_DEVELOPMENT))
    return case((developing, "in_development"), else_=wish_groups.c.state)


def filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    """`query` (of `_base`) narrowed by `filters`; merged groups only when asked for by state."""
    where: list[ColumnElement[bool]] = [
        wish_groups.c.state == filters.state if filters.state else wish_groups.c.state != "merged"]
    if filters.queue:
        where.append(wish_groups.c.queue == filters.queue)
    if filters.stage:
        where.append(stage_of() == filters.stage)
    if filters.segment:
        segments = group_stats.group_segments.c
        where.append(exists().where(segments.group_id == wish_groups.c.id, segments.segment == filters.segment))
    if filters.owner == NO_OWNER:
        where.append(wish_groups.c.owner_id.is_(None))
    elif filters.owner:
        where.append(users.c.username == filters.owner)
    if filters.category:
        where.append(wish_groups.c.category == filters.category)
    return query.where(*where)


def _rounded(value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.round(cast(value, Numeric), 2)


def _scored(conn: Connection, context: _Context, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
    """`query` (of `_base`) with what its score needs joined, and the score: bridge.workflow.priority.score of each
    group computed in SQL, rounded part by part as `score` rounds them. The parts that do not depend on popularity
    (importance, legal deadline) are each priced by `score` itself."""
    rules, stats, segments = context.rules, group_stats.group_stats.c, group_stats.group_segments.c
    parts = [_rounded(func.coalesce(stats.organizations, 0) * rules.per_organization),
             _rounded(func.coalesce(stats.paid_accounts, 0) * rules.per_paid_account)]
    weights = {name: weight for name, weight in rules.segments.items() if weight}
    if weights:
        points = (select(segments.group_id, func.sum(_rounded(
            segments.organizations * case(weights, value=segments.segment, else_=0))).label("points"))
            .group_by(segments.group_id).subquery())
        query = query.outerjoin(points, points.c.group_id == wish_groups.c.id)
        parts.append(func.coalesce(points.c.points, 0))

    def priced(column: Column[Any], values: Sequence[Any]) -> None:
        prices = {value: score(Popularity(), {column.name: value}, rules, context.today).total for value in values}
        if any(prices.values()):
            parts.append(case(prices, value=column, else_=0))

    priced(wish_groups.c.importance, list(rules.importance))
    priced(wish_groups.c.legal_deadline, list(conn.execute(
        select(wish_groups.c.legal_deadline).distinct().where(wish_groups.c.legal_deadline.is_not(None))).scalars()))
    total: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        total = total + part
    return query, _rounded(total)


def _ordered(conn: Connection, context: _Context, query: Select[Any], sort: str) -> Select[Any]:
    """`query` (of `_base`) in the order `sort` (one of SORTS) names; among equals the newest group first (the
    oldest first when sorting by age)."""
    stats = group_stats.group_stats.c
    if sort == "oldest":
        return query.order_by(stats.first_wish_at.asc().nulls_last(), wish_groups.c.id)
    keys = {"tickets": stats.tickets, "organizations": stats.organizations, "paid_accounts": stats.paid_accounts,
            "activity": wish_groups.c.active_at}
    if sort in keys:
        return query.order_by(keys[sort].desc().nulls_last(), wish_groups.c.id.desc())
    query, score_of = _scored(conn, context, query)
    return query.order_by(score_of.desc(), wish_groups.c.id.desc())


def _docs(conn: Connection, group_ids: Sequence[int]) -> dict[int, list[StoredDoc]]:
    docs: dict[int, list[StoredDoc]] = {group_id: [] for group_id in group_ids}
    for stored in stored_docs(conn, states=None, group_ids=group_ids):
        docs[stored.group_id].append(stored)
    return docs


def _rows(conn: Connection, context: _Context, records: Sequence[Any],
          docs: dict[int, list[StoredDoc]] | None = None) -> list[tuple[GroupRow, Popularity, Score]]:
    """The rows of `records` (of `_base`), in their order, scored with their stored popularity and routed by
    their wishes' texts (`docs`, read here unless given)."""
    ids = [record.id for record in records]
    stats, attention, answered = group_stats.load(conn, ids), _attention(conn, records), answered_groups(conn, ids)
    docs = docs if docs is not None else _docs(conn, ids)
    rows = []
    for record in records:
        popular, texts = stats[record.id].popularity, docs.get(record.id, [])
        value = score(popular, record._mapping, context.rules, context.today)
        queue, rule = route_for("\n".join([record.title, *(stored.doc.text for stored in texts)]), context.routing,
                                category=record.category, subcategory=record.subcategory,
                                tags={tag for stored in texts for tag in stored.doc.tags})
        rows.append((GroupRow(
            id=record.id, title=record.title, state=record.state, queue=record.queue, importance=record.importance,
            category=record.category, subcategory=record.subcategory, wishes=stats[record.id].wishes,
            tickets=popular.tickets, organizations=popular.organizations, score=value.total,
            suggested_queue=queue, suggested_rule=rule.name if rule else None,
            needs_attention=record.id in attention, epic_key=record.epic_key, epic_status=record.epic_status,
            updated_at=record.updated_at, answered=record.id in answered, paid_accounts=popular.paid_accounts,
            owner=record.owner, owner_name=record.owner_name or record.owner,
            first_wish_at=stats[record.id].first_wish_at, active_at=record.active_at,
        ), popular, value))
    return rows


def _matches(search: str, record: Any, docs: Sequence[StoredDoc], named: set[int]) -> bool:
    """Whether the search names the group (`named`: by public number or helpdesk ticket) or its texts hold it."""
    wanted = search.strip().casefold()
    return (record.id in named or wanted in record.title.casefold()
            or any(wanted in stored.doc.text.casefold() for stored in docs))


def _page(conn: Connection, mappings: Mappings, query: Select[Any], search: str | None, limit: int,
          offset: int, sort: str = "score") -> list[GroupRow]:
    context = _Context.of(mappings)
    query = _ordered(conn, context, query, sort)
    if not search:
        return [row for row, _, _ in _rows(conn, context, list(conn.execute(query.limit(limit).offset(offset))))]
    candidates = conn.execute(query).all()
    named = {hit.group_id for hit in find_groups(conn, search)}
    found: list[Any] = []
    docs: dict[int, list[StoredDoc]] = {}
    for start in range(0, len(candidates), SEARCH_BATCH):
        batch = candidates[start:start + SEARCH_BATCH]
        batch_docs = _docs(conn, [record.id for record in batch])
        for record in batch:
            if _matches(search, record, batch_docs[record.id], named):
                found.append(record)
                docs[record.id] = batch_docs[record.id]
        if len(found) >= offset + limit:
            break
    return [row for row, _, _ in _rows(conn, context, found[offset:offset + limit], docs)]


def list_groups(conn: Connection, mappings: Mappings, *, state: str | None = None, queue: str | None = None,
                search: str | None = None, limit: int = 200, offset: int = 0, filters: Filters | None = None,
                sort: str = "score") -> list[GroupRow]:
    """Groups in the order `sort` names (SORTS; by score, highest first, by default; the newest first among
    equals), `limit` of them after the first `offset`; merged groups only when asked for by state. `filters`
    (or `state` and `queue` alone) narrow them; `search` matches the group a public number (`W-12`, `12`; a
    merged group's number leads to its survivor) or a helpdesk ticket id (`4711`, `zendesk 4711`) names, or text
    in the title or any wish (case-insensitive in every language)."""
    query = filtered(_base(), filters or Filters(state=state, queue=queue))
    return _page(conn, mappings, query, search, limit, offset, sort)


def new_wishes(conn: Connection, mappings: Mappings, limit: int = 200, offset: int = 0) -> list[GroupRow]:
    """The product manager's inbox, ordered and paged as list_groups: new and grouped groups, and declined or
    deferred ones with new demand."""
    query = _base().where(or_(wish_groups.c.state.in_(INBOX_STATES), _needs_attention()))
    return _page(conn, mappings, query, None, limit, offset)


def board(conn: Connection, mappings: Mappings, filters: Filters | None = None, *, cards: int) -> list[BoardColumn]:
    """One column per STAGES entry: how many groups stand there and the first `cards` of them as list_groups
    orders them (by score); `filters` narrow them (their state and stage aside). The same few queries whatever
    the number of groups: the counts, and the cards ranked within their column in SQL."""
    query = filtered(_base(), replace(filters or Filters(), state=None, stage=None))
    stage = stage_of()
    totals = {name: count for name, count in conn.execute(query.with_only_columns(stage, func.count())
                                                          .group_by(stage))}
    query, score_of = _scored(conn, _Context.of(mappings), query)
    rank = func.row_number().over(partition_by=stage, order_by=(score_of.desc(), wish_groups.c.id.desc()))
    ranked = query.add_columns(stage.label("stage"), rank.label("rank")).subquery()
    found: dict[str, list[Card]] = {}
    for row in conn.execute(select(ranked).where(ranked.c.rank <= cards).order_by(ranked.c.rank)):
        found.setdefault(row.stage, []).append(Card(
            row.id, row.title, row.tickets or 0, row.organizations or 0, row.paid_accounts or 0, row.owner,
            row.owner_name or row.owner))
    return [BoardColumn(name, totals.get(name, 0), tuple(found.get(name, ()))) for name in STAGES]


def _stages_told(conn: Connection, group_id: int, shown: Sequence[Any]) -> dict[int, tuple[tuple[str, str], ...]]:
    """Per shown ticket id: the stage messages queued for it and their outbox state, read through the tickets'
    lanes, in whichever group the ticket was then (a ticket merged in keeps what it heard before); items queued
    before lanes existed have none, and are found by this group's keys."""
    lanes = {ticket_lane(ticket.source, ticket.external_id) for ticket in shown}
    wanted = {ticket.id for ticket in shown}
    told: dict[int, list[tuple[str, str]]] = {}
    rows = conn.execute(select(outbox.c.idempotency_key, outbox.c.state).where(or_(
        and_(outbox.c.lane.in_(lanes), outbox.c.idempotency_key.like(stage_keys())),
        and_(outbox.c.lane.is_(None), outbox.c.idempotency_key.like(stage_keys_of_group(group_id))),
    )).order_by(outbox.c.id))
    for key, state in rows:
        stage = StageKey.parse(key)
        if stage.ticket_id in wanted:
            told.setdefault(stage.ticket_id, []).append((stage.stage, state))
    return {ticket: tuple(stages) for ticket, stages in told.items()}


def _wish_views(conn: Connection, group_id: int, offset: int, limit: int | None) -> tuple[WishView, ...]:
    shown = list(conn.execute(select(wishes).where(wishes.c.group_id == group_id).order_by(wishes.c.id)
                              .offset(offset).limit(limit)))
    ticket_rows = group_tickets(conn, group_id, wish_ids=[w.id for w in shown], deleted=True)
    told = _stages_told(conn, group_id, ticket_rows)
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
        for w in shown
    )


def _one(conn: Connection, context: _Context, group_id: int,
         docs: dict[int, list[StoredDoc]] | None = None) -> tuple[Any, GroupRow, Popularity, Score]:
    load_group(conn, group_id)
    record = conn.execute(_base().where(wish_groups.c.id == group_id)).one()
    return (record, *_rows(conn, context, [record], docs)[0])


def group_row(conn: Connection, mappings: Mappings, group_id: int) -> GroupRow:
    """One group's row as list_groups shows it; WorkflowError for an unknown id."""
    return _one(conn, _Context.of(mappings), group_id)[1]


def group_queue(conn: Connection, group_id: int) -> str | None:
    """The queue the group waits in (None outside analysis); WorkflowError for an unknown id."""
    queue: str | None = load_group(conn, group_id).queue
    return queue


def group_detail(conn: Connection, mappings: Mappings, group_id: int, *, wishes_offset: int = 0,
                 wishes_limit: int | None = None, similar: bool = True) -> GroupDetail:
    """Everything the group page shows, its wishes (with their tickets) `wishes_limit` at a time after the first
    `wishes_offset` (all by default), and its similar groups unless `similar` is false (they cost a ranking per
    wish asked: see group_suggestions); WorkflowError for an unknown id."""
    docs = _docs(conn, [group_id])
    record, row, popular, value = _one(conn, _Context.of(mappings), group_id, docs)
    link = conn.execute(select(tracker_links).where(tracker_links.c.group_id == group_id)).first()
    return GroupDetail(
        group=row, notes=record.notes, reason=record.reason, legal_reference=record.legal_reference,
        legal_deadline=record.legal_deadline, epoch=record.epoch, merged_into=record.merged_into,
        created_at=record.created_at, wishes=_wish_views(conn, group_id, wishes_offset, wishes_limit),
        popularity=popular, score=value,
        comments=tuple(dict(c._mapping) for c in conn.execute(
            select(comments).where(comments.c.group_id == group_id).order_by(comments.c.id))),
        audit=tuple(trail(conn, "group", group_id)),
        similar=tuple(_similar(conn, mappings, record, docs[group_id])) if similar else (),
        tracker_link=dict(link._mapping) if link else None, allowed_actions=allowed_actions(record.state),
        suggested_topic=suggested_topic(conn, mappings, group_id) if record.category is None else None,
        absorbed=absorbed(conn, group_id),
    )


def _similar(conn: Connection, mappings: Mappings, record: Any, docs: Sequence[StoredDoc]) -> list[SuggestedGroup]:
    return similar_groups(conn, mappings, record.id, docs) if record.state != "merged" else []


def group_suggestions(conn: Connection, mappings: Mappings, group_id: int) -> list[SuggestedGroup]:
    """The groups most like this one, best first, as group_detail shows them (none for a merged group);
    WorkflowError for an unknown id."""
    return _similar(conn, mappings, load_group(conn, group_id), _docs(conn, [group_id])[group_id])


def suggested_topic(conn: Connection, mappings: Mappings, group_id: int, *,
                    wait: bool = False) -> TopicSuggestion | None:
    """The topic the store's marked tickets suggest for a group without one, from its wishes' text (shown with
    its confidence, never applied); None while the model is still being fitted (`wait` waits for it)."""
    texts = conn.execute(select(wishes.c.text).where(wishes.c.group_id == group_id).order_by(wishes.c.id)).scalars()
    model = MODELS.model(conn, encoder_of(mappings), wait=wait)
    return model.suggest("\n".join(texts)) if model is not None else None
