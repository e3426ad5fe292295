"""Approved wish groups become epics in the configured tracker, and every originating ticket a link on its epic:
the outbox handlers of bridge/tracker/requests.py's kinds, calling only the Tracker port.

Contract: exactly one epic per group. The tracker marks each epic with its group (`Tracker.create_epic`) and
finds it again by that marker (`find_epic`). A tracker whose search may lag behind a create
(`search_settle` > 0, Jira) gets a create intent (`epic_intents`) committed before every create call: while an
intent is younger than `search_settle` and the search finds nothing, the item is retried later instead of
creating. A tracker whose create is unique by itself (`search_settle` zero) answers a repeated create with the
epic it made. Either way a crash between "the tracker created it" and "we stored it", a time-out that hid a
create, or a retried item never creates a second epic. `tracker_links` is unique per group, so two workers store
one link. Links carry a stable id per ticket, so re-linking never duplicates.

Storing the link is the hand-over's success: in the same transaction the customers of a group still approved are
told `approved` (once per epoch), which the approval itself does not do (bridge/workflow/lifecycle.py decide).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from bridge.errors import FatalError, RetriableError
from bridge.mapping import Mappings
from bridge.mapping.tracker import stage_for
from bridge.model import IssueState
from bridge.outbox.drain import Handler, Outcomes
from bridge.ports import Tracker
from bridge.store import audit
from bridge.store.outbox import OutboxItem
from bridge.store.schema import epic_intents, tickets, tracker_links
from bridge.store.tickets import as_utc, group_tickets
from bridge.tracker.requests import (
    CREATE_EPIC,
    LINK_TICKET,
    UPDATE_EPIC,
    epic_brief,
    request_ticket_link,
    ticket_link,
)
from bridge.tracker.status import mark_missing, observe
from bridge.workflow.changes import load_group, notify_stage

log = logging.getLogger(__name__)
LINK_NOT_READY_SECONDS = 60.0


def _store_link(engine: Engine, tracker: Tracker, mappings: Mappings, group_id: int, state: IssueState,
                how: str) -> str:
    """Insert the group's link; when another worker stored one first, keep theirs. Returns the stored key. Now
    that the hand-over succeeded, the customers of a group still approved hear so; a linked issue's current
    stage is news to them too (and supersedes that message while it waits); a new epic's first status is not."""
    now = datetime.now(UTC)
    stage = stage_for(mappings.get(tracker.name), state.status, state.status_category, state.resolution)
    url = tracker.issue_url(state.issue_key)
    with engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(tracker_links.insert().values(
                    group_id=group_id, tracker=tracker.name, issue_key=state.issue_key, issue_id=state.issue_id,
                    url=url, status=state.status, status_category=state.status_category,
                    stage=None if how == "linked" else stage, resolution=state.resolution,
                    fix_version=state.fix_version, created_at=now, updated_at=now,
                ))
        except IntegrityError:
            return str(conn.execute(select(tracker_links.c.issue_key)
                                    .where(tracker_links.c.group_id == group_id)).scalar_one())
        audit.record(conn, "group", group_id, f"epic_{how}", tracker.name, now=now,
                     details={"epic_key": state.issue_key, "epic_url": url})
        conn.execute(epic_intents.delete().where(epic_intents.c.group_id == group_id))
        if load_group(conn, group_id).state == "approved":
            notify_stage(conn, mappings, group_id, "approved")
        if how == "linked":
            observe(conn, mappings, tracker.name, state)
    return state.issue_key


def create_epic(engine: Engine, tracker: Tracker, mappings: Mappings, group_id: int,
                issue_key: str | None = None) -> str:
    """Make sure the group has its epic (adopt, link or create) and ask for every ticket's link.
    Idempotent: returns the epic key."""
    with engine.connect() as conn:
        key = conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()
    if key is None:
        key = _make_epic(engine, tracker, mappings, group_id, issue_key)
    with engine.begin() as conn:
        for row in group_tickets(conn, group_id):
            request_ticket_link(conn, group_id, row.id)
    return key


def _make_epic(engine: Engine, tracker: Tracker, mappings: Mappings, group_id: int, issue_key: str | None) -> str:
    if issue_key:
        state, how = tracker.adopt_issue(issue_key, group_id), "linked"
    else:
        found = tracker.find_epic(group_id)
        state, how = (found, "adopted") if found else (_create(engine, tracker, mappings, group_id), "created")
    key = _store_link(engine, tracker, mappings, group_id, state, how)
    log.info("epic.stored", extra={"group": group_id, "epic": key, "how": how})
    return key


def _ask_to_create(engine: Engine, tracker: Tracker, group_id: int, now: datetime | None = None) -> None:
    """Commit the intent to create the group's epic, or raise RetriableError while an earlier intent is young
    enough that its epic may exist and not show in the tracker's search yet."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        asked = as_utc(conn.execute(select(epic_intents.c.asked_at)
                                    .where(epic_intents.c.group_id == group_id)).scalar())
        if asked is not None and now - asked < tracker.search_settle:
            wait = (asked + tracker.search_settle - now).total_seconds()
            raise RetriableError(f"group {group_id}'s epic may already exist: the tracker's search does not show "
                                 "it yet", retry_after=wait)
        conn.execute(epic_intents.delete().where(epic_intents.c.group_id == group_id))
        conn.execute(epic_intents.insert().values(group_id=group_id, asked_at=now))


def _create(engine: Engine, tracker: Tracker, mappings: Mappings, group_id: int) -> IssueState:
    with engine.connect() as conn:
        brief = epic_brief(conn, group_id)
    if tracker.search_settle:
        _ask_to_create(engine, tracker, group_id)  # right before the call, so a crash before it rarely leaves one
    return tracker.create_epic(group_id, brief, mappings.get(tracker.name)["epic"])


def link_ticket(engine: Engine, tracker: Tracker, group_id: int, ticket_id: int) -> None:
    """Link the ticket to the group's epic; a ticket without a URL has nothing to link."""
    with engine.connect() as conn:
        key = conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()
        row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
    if key is None:
        raise RetriableError(f"group {group_id} has no epic yet", retry_after=LINK_NOT_READY_SECONDS)
    if row is None or not row.url:
        return
    tracker.link_ticket(key, ticket_link(row))


def update_epic(engine: Engine, tracker: Tracker, group_id: int) -> None:
    """Rewrite the epic's description from the store; nothing when the group has no epic the tracker still has
    (a 404 marks it missing)."""
    with engine.connect() as conn:
        link = conn.execute(select(tracker_links).where(tracker_links.c.group_id == group_id)).first()
        if link is None or link.missing_at is not None:
            return
        brief = epic_brief(conn, group_id)
    try:
        tracker.rewrite_epic(link.issue_key, brief)
    except FatalError as error:
        if error.status != 404:
            raise
        with engine.begin() as conn:
            mark_missing(conn, tracker.name, [link.issue_key], datetime.now(UTC))


def _each(apply: Callable[[OutboxItem], object]) -> Handler:
    def handle(items: Sequence[OutboxItem]) -> Outcomes:
        outcomes: dict[int, Exception | None] = {}
        for item in items:
            try:
                apply(item)
                outcomes[item.id] = None
            except Exception as error:  # each item succeeds or fails on its own, as in the drain
                outcomes[item.id] = error
        return outcomes

    return handle


def epic_handlers(engine: Engine, tracker: Tracker, mappings: Mappings) -> dict[str, Handler]:
    """The outbox handlers of `create_epic`, `link_ticket` and `update_epic`."""
    return {
        CREATE_EPIC: _each(lambda item: create_epic(engine, tracker, mappings, item.payload["group_id"],
                                                    item.payload.get("issue_key"))),
        LINK_TICKET: _each(lambda item: link_ticket(engine, tracker, item.payload["group_id"],
                                                    item.payload["ticket_id"])),
        UPDATE_EPIC: _each(lambda item: update_epic(engine, tracker, item.payload["group_id"])),
    }
