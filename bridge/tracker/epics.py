"""Approved wish groups become Jira epics, and every originating ticket a remote link on its epic.

Outbox kinds (target "jira"): `create_epic` (key `epic:g{group}`, payload `{group_id}` or
`{group_id, issue_key}` to link an existing issue), `link_ticket` (key `link:g{group}:t{ticket}`) and
`update_epic` (key `epic-update:g{group}:v{version}:n{count}`, payload `{group_id, version}`): the epic's
description brought up to date after approval (analyst notes, new tickets, popularity). `version` is a hash of
what the description says; an update is asked for only when it differs from the last one asked for, in the
group's lane `epic-update:g{group}`, where it supersedes the updates still waiting, so repeats coalesce.

Contract: exactly one epic per group. Every epic carries the label `wishbridge-g{group}` and the issue property
`wishbridge` = {group_id}, set in the create call itself; before creating, the handler searches for that label
and adopts what it finds. Jira's search is eventually consistent and may not show an issue created moments
ago, so a create intent (`epic_intents`) is committed before every create call: while an intent is younger than
SEARCH_SETTLE and the search finds nothing, the item is retried later instead of creating. A crash between
"Jira created it" and "we stored it", a time-out that hid a create, or a retried item never creates a second
epic. `tracker_links` is unique per group, so two workers store one link. Remote links carry a
stable globalId per ticket, which Jira upserts: re-linking never duplicates.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from bridge.errors import FatalError, RetriableError, WorkflowError
from bridge.mapping import Mappings
from bridge.mapping.jira import stage_for
from bridge.outbox.drain import Handler, Outcomes
from bridge.store import audit
from bridge.store.outbox import OutboxItem, enqueue
from bridge.store.schema import epic_intents, outbox, tickets, tracker_links, wish_groups, wish_tickets, wishes
from bridge.store.tickets import as_utc
from bridge.tracker.brief import EpicBrief, TicketLine, description
from bridge.tracker.status import TRACKER, IssueState, mark_missing, observe
from bridge.workflow.popularity import popularity
from connectors.jira import CreateMeta, JiraConnector

log = logging.getLogger(__name__)
CREATE_EPIC = "create_epic"
LINK_TICKET = "link_ticket"
UPDATE_EPIC = "update_epic"
MARKER_PROPERTY = "wishbridge"
EPIC_NAME = "Epic Name"
LINK_NOT_READY_SECONDS = 60.0
SEARCH_SETTLE = timedelta(minutes=5)  # how long Jira search may take to show a new issue, with a wide margin


def marker_label(group_id: int) -> str:
    return f"wishbridge-g{group_id}"


def ticket_global_id(source: str, external_id: str) -> str:
    return f"wishbridge:ticket:{source}:{external_id}"


def request_epic(conn: Connection, group_id: int, issue_key: str | None = None) -> bool:
    """Ask for the group's epic (or to link `issue_key` instead); False when it was asked for before."""
    payload: dict[str, Any] = {"group_id": group_id}
    if issue_key:
        payload["issue_key"] = issue_key
    return enqueue(conn, f"epic:g{group_id}", TRACKER, CREATE_EPIC, payload)


def request_ticket_link(conn: Connection, group_id: int, ticket_id: int) -> bool:
    """Link a ticket that joined the group to its epic. False when the group has no epic and none is asked
    for (the epic's creation links every ticket it finds), or when the link was asked for before."""
    has_link = conn.execute(select(tracker_links.c.id).where(tracker_links.c.group_id == group_id)).first()
    asked = conn.execute(select(outbox.c.id).where(outbox.c.idempotency_key == f"epic:g{group_id}")).first()
    if not (has_link or asked):
        return False
    return enqueue(conn, f"link:g{group_id}:t{ticket_id}", TRACKER, LINK_TICKET,
                   {"group_id": group_id, "ticket_id": ticket_id})


def _group_tickets(conn: Connection, group_id: int) -> list[Any]:
    return list(conn.execute(
        select(tickets.c.id, tickets.c.source, tickets.c.external_id, tickets.c.url, tickets.c.subject)
        .join(wish_tickets, wish_tickets.c.ticket_id == tickets.c.id)
        .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
        .where(wishes.c.group_id == group_id, ~tickets.c.deleted)
        .order_by(tickets.c.id)
    ))


def _ticket_title(row: Any) -> str:
    return f"{row.source} #{row.external_id}: {row.subject}"[:255]


def epic_brief(conn: Connection, group_id: int) -> EpicBrief:
    """Everything the description says about a group, read from the store."""
    group = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).first()
    if group is None:
        raise WorkflowError(f"no wish group {group_id}")
    texts = conn.execute(select(wishes.c.text).where(wishes.c.group_id == group_id).order_by(wishes.c.id)).scalars()
    summary = group.description or next((text for text in texts if text), "")
    return EpicBrief(
        group_id=group_id, title=group.title, summary=summary, notes=group.notes, importance=group.importance,
        popularity=popularity(conn, group_id), legal_reference=group.legal_reference,
        legal_deadline=group.legal_deadline,
        tickets=tuple(TicketLine(_ticket_title(row), row.url) for row in _group_tickets(conn, group_id)),
    )


def epic_fields(epic: Mapping[str, Any], meta: CreateMeta, brief: EpicBrief, *, cloud: bool) -> dict[str, Any]:
    """The create-issue `fields`: mapping values, the marker label, the description in the deployment's format,
    and Epic Name only where the project requires it (newer projects reject it)."""
    title = " ".join(brief.title.split())[:255]
    fields: dict[str, Any] = {
        "project": {"key": epic["project"]},
        "issuetype": {"id": meta.issue_type_id},
        "summary": title,
        "description": description(brief, cloud=cloud),
        "labels": [*epic.get("labels", []), marker_label(brief.group_id)],
    }
    if epic.get("components"):
        fields["components"] = [{"name": name} for name in epic["components"]]
    fields.update(epic.get("custom_fields") or {})
    epic_name = meta.required(EPIC_NAME)
    if epic_name:
        fields[epic_name.field_id] = title
    return fields


def _store_link(conn: Connection, group_id: int, issue: Mapping[str, Any], url: str, stage: str | None,
                state: IssueState, how: str) -> str:
    """Insert the group's link; when another worker stored one first, keep theirs. Returns the stored key."""
    now = datetime.now(UTC)
    try:
        with conn.begin_nested():
            conn.execute(tracker_links.insert().values(
                group_id=group_id, tracker=TRACKER, issue_key=issue["key"], issue_id=str(issue.get("id") or ""),
                url=url, status=state.status, status_category=state.status_category, stage=stage,
                resolution=state.resolution, fix_version=state.fix_version, created_at=now, updated_at=now,
            ))
    except IntegrityError:
        return str(conn.execute(select(tracker_links.c.issue_key)
                                .where(tracker_links.c.group_id == group_id)).scalar_one())
    audit.record(conn, "group", group_id, f"epic_{how}", TRACKER, now=now,
                 details={"epic_key": issue["key"], "epic_url": url})
    return str(issue["key"])


def _find_marked(connector: JiraConnector, group_id: int) -> dict[str, Any] | None:
    jql = f'labels = "{marker_label(group_id)}" ORDER BY created ASC'
    return next(iter(connector.search(jql, page_size=1)), None)


def create_epic(engine: Engine, connector: JiraConnector, mappings: Mappings, group_id: int,
                issue_key: str | None = None) -> str:
    """Make sure the group has its epic (adopt, link or create) and ask for every ticket's remote link.
    Idempotent: returns the epic key."""
    with engine.connect() as conn:
        key = conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()
    if key is None:
        key = _make_epic(engine, connector, mappings, group_id, issue_key)
    with engine.begin() as conn:
        for row in _group_tickets(conn, group_id):
            request_ticket_link(conn, group_id, row.id)
    return key


def _make_epic(engine: Engine, connector: JiraConnector, mappings: Mappings, group_id: int,
               issue_key: str | None) -> str:
    if issue_key:
        issue, how = connector.get_issue(issue_key), "linked"
        connector.set_property(issue_key, MARKER_PROPERTY, {"group_id": group_id})
    else:
        found = _find_marked(connector, group_id)
        issue, how = (found, "adopted") if found else (_create(engine, connector, mappings, group_id), "created")
    state = IssueState.from_issue(issue)
    stage = stage_for(mappings.get("jira"), state.status, state.status_category, state.resolution)
    with engine.begin() as conn:
        # A linked issue's current stage is news to customers; a new epic's first status is not.
        key = _store_link(conn, group_id, issue, connector.issue_url(issue["key"]),
                          None if how == "linked" else stage, state, how)
        conn.execute(epic_intents.delete().where(epic_intents.c.group_id == group_id))
        if how == "linked" and key == issue["key"]:
            observe(conn, mappings, state)
    log.info("epic.stored", extra={"group": group_id, "epic": key, "how": how})
    return key


def _ask_to_create(engine: Engine, group_id: int, now: datetime | None = None) -> None:
    """Commit the intent to create the group's epic, or raise RetriableError while an earlier intent is young
    enough that its epic may exist and not show in search yet."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        asked = as_utc(conn.execute(select(epic_intents.c.asked_at)
                                    .where(epic_intents.c.group_id == group_id)).scalar())
        if asked is not None and now - asked < SEARCH_SETTLE:
            wait = (asked + SEARCH_SETTLE - now).total_seconds()
            raise RetriableError(f"group {group_id}'s epic may already exist: Jira search does not show it yet",
                                 retry_after=wait)
        conn.execute(epic_intents.delete().where(epic_intents.c.group_id == group_id))
        conn.execute(epic_intents.insert().values(group_id=group_id, asked_at=now))


def _create(engine: Engine, connector: JiraConnector, mappings: Mappings, group_id: int) -> dict[str, Any]:
    epic = mappings.get("jira")["epic"]
    with engine.connect() as conn:
        brief = epic_brief(conn, group_id)
    meta = connector.create_meta(epic["project"], epic["issue_type"])
    _ask_to_create(engine, group_id)  # right before the call, so a crash before it rarely leaves an intent
    created = connector.create_issue(epic_fields(epic, meta, brief, cloud=connector.cloud),
                                     {MARKER_PROPERTY: {"group_id": group_id}})
    return connector.get_issue(created["key"])


def link_ticket(engine: Engine, connector: JiraConnector, group_id: int, ticket_id: int) -> None:
    """Upsert the ticket's remote link on the group's epic; a ticket without a URL has nothing to link."""
    with engine.connect() as conn:
        key = conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()
        row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
    if key is None:
        raise RetriableError(f"group {group_id} has no epic yet", retry_after=LINK_NOT_READY_SECONDS)
    if row is None or not row.url:
        return
    connector.upsert_remote_link(key, ticket_global_id(row.source, row.external_id), row.url, _ticket_title(row),
                                 summary=row.organization_name or row.requester_name or "")


def brief_version(brief: EpicBrief) -> str:
    """A short hash of everything the description says."""
    text = json.dumps(asdict(brief), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _update_items(conn: Connection, group_id: int) -> list[Any]:
    prefix = f"epic-update:g{group_id}:"
    return list(conn.execute(select(outbox.c.id, outbox.c.payload)
                             .where(outbox.c.kind == UPDATE_EPIC, outbox.c.idempotency_key.startswith(prefix))
                             .order_by(outbox.c.id)))


def request_epic_update(conn: Connection, group_id: int) -> bool:
    """Ask for the group's epic description to be rewritten, when the group has an epic Jira still has and
    what the description says differs from the last update asked for. False when nothing is asked."""
    link = conn.execute(select(tracker_links.c.missing_at).where(tracker_links.c.group_id == group_id)).first()
    if link is None or link.missing_at is not None:
        return False
    version = brief_version(epic_brief(conn, group_id))
    asked = _update_items(conn, group_id)
    if asked and asked[-1].payload.get("version") == version:
        return False
    return enqueue(conn, f"epic-update:g{group_id}:v{version}:n{len(asked)}", TRACKER, UPDATE_EPIC,
                   {"group_id": group_id, "version": version}, lane=f"epic-update:g{group_id}",
                   supersedable=True, supersedes=True)


def update_epic(engine: Engine, connector: JiraConnector, group_id: int) -> None:
    """Rewrite the epic's description from the store, within Jira's limit; nothing when the group has no epic
    Jira still has (a 404 marks it missing)."""
    with engine.connect() as conn:
        link = conn.execute(select(tracker_links).where(tracker_links.c.group_id == group_id)).first()
        if link is None or link.missing_at is not None:
            return
        brief = epic_brief(conn, group_id)
    try:
        connector.edit_issue(link.issue_key, {"description": description(brief, cloud=connector.cloud)})
    except FatalError as error:
        if error.status != 404:
            raise
        with engine.begin() as conn:
            mark_missing(conn, [link.issue_key], datetime.now(UTC))


def _each(apply: Callable[[OutboxItem], object]) -> Handler:
    def handle(items: Sequence[OutboxItem]) -> Outcomes:
        outcomes: dict[int, Exception | None] = {}
        for item in items:
            try:
                apply(item)
                outcomes[item.id] = None
            except Exception as error:  # each item succeeds or fails on its own, as in dispatch.drain
                outcomes[item.id] = error
        return outcomes

    return handle


def epic_handlers(engine: Engine, connector: JiraConnector, mappings: Mappings) -> dict[str, Handler]:
    """The outbox handlers of `create_epic`, `link_ticket` and `update_epic`."""
    return {
        CREATE_EPIC: _each(lambda item: create_epic(engine, connector, mappings, item.payload["group_id"],
                                                    item.payload.get("issue_key"))),
        LINK_TICKET: _each(lambda item: link_ticket(engine, connector, item.payload["group_id"],
                                                    item.payload["ticket_id"])),
        UPDATE_EPIC: _each(lambda item: update_epic(engine, connector, item.payload["group_id"])),
    }
