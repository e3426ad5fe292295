"""Wish groups as the lifecycle sees them: which action each state allows, loading and changing a group
with its audit row, and what happens when tickets join a group that is already under way.

Every change goes through `change` or `log`, so every change leaves an audit row (entity `group`) and marks the
group active (`wish_groups.active_at`, the lists' "last activity").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.outbox.notify import notify
from bridge.store.audit import record
from bridge.store.schema import tracker_links, wish_groups
from bridge.tracker.requests import request_epic_update, request_ticket_link
from bridge.workflow.popularity import refresh

_RECEIVING = frozenset({"attach", "comment"})
ACTIONS: dict[str, frozenset[str]] = {
    "new": _RECEIVING | {"confirm", "route", "decline", "defer", "merge"},
    "grouped": _RECEIVING | {"route", "decline", "defer", "merge", "split"},
    "in_analysis": _RECEIVING | {"route", "analyse", "ask", "approve", "decline", "defer", "merge", "split"},
    "approved": _RECEIVING | {"analyse", "done", "decline"},
    "declined": _RECEIVING | {"reopen", "acknowledge", "merge", "split"},
    "deferred": _RECEIVING | {"reopen", "acknowledge", "merge", "split"},
    "done": frozenset({"reopen", "comment"}),
    "merged": frozenset({"unmerge"}),
}
STATES = tuple(ACTIONS)
RECEIVING_STATES = tuple(state for state, actions in ACTIONS.items() if "attach" in actions)
"""States whose groups take new wishes (intake, attach, merge target)."""
MOVES = frozenset({"wish_added", "merge", "merged_in", "unmerge", "unmerged_out", "split", "split_from"})
"""Audited actions that move wishes into or out of a group: each counts the group's popularity again."""


def allowed_actions(state: str) -> frozenset[str]:
    """The actions the lifecycle allows on a group in `state` (none for an unknown state)."""
    return ACTIONS.get(state, frozenset())


def load_group(conn: Connection, group_id: int) -> Row[Any]:
    """The group's row; WorkflowError naming the id when there is none."""
    row = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).first()
    if row is None:
        raise WorkflowError(f"no wish group {group_id}")
    return row


def require(group: Row[Any], action: str) -> None:
    """WorkflowError naming the state and the allowed actions when `action` is not allowed now."""
    allowed = allowed_actions(group.state)
    if action not in allowed:
        raise WorkflowError(f"group {group.id} is {group.state}: cannot {action} "
                            f"(allowed: {', '.join(sorted(allowed)) or 'nothing'})")


def require_reason(reason: str | None, action: str) -> str:
    if not reason or not reason.strip():
        raise WorkflowError(f"a reason is required to {action}")
    return reason.strip()


def create_group(conn: Connection, *, title: str, state: str, category: str | None,
                 subcategory: str | None) -> int:
    now = datetime.now(UTC)
    inserted = conn.execute(wish_groups.insert().values(
        title=title, description="", state=state, notes="", category=category, subcategory=subcategory,
        epoch=0, created_at=now, updated_at=now, active_at=now,
    )).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def log(conn: Connection, group_id: int, action: str, actor: str, reason: str | None = None,
        **details: Any) -> None:
    record(conn, "group", group_id, action, actor, reason=reason, details=details)
    conn.execute(wish_groups.update().where(wish_groups.c.id == group_id).values(active_at=datetime.now(UTC)))
    if action in MOVES:
        refresh(conn, [group_id])


def change(conn: Connection, group_id: int, action: str, actor: str, reason: str | None = None, *,
           values: dict[str, Any], **details: Any) -> None:
    """Update the group's columns and write the audit row of the change in one step."""
    conn.execute(wish_groups.update().where(wish_groups.c.id == group_id)
                 .values(**values, updated_at=datetime.now(UTC)))
    log(conn, group_id, action, actor, reason, **details)


def stage_context(conn: Connection, group: Row[Any]) -> dict[str, Any]:
    """Placeholders of mappings/messages.yaml for a group-wide message."""
    link = conn.execute(select(tracker_links).where(tracker_links.c.group_id == group.id)).first()
    return {
        "wish_title": group.title, "wish_id": group.id, "reason": group.reason or "",
        "epic_key": link.issue_key if link else "", "epic_status": link.status or "" if link else "",
        "epic_url": link.url or "" if link else "",
        "fix_version": f" ({link.fix_version})" if link and link.fix_version else "",
    }


def notify_stage(conn: Connection, mappings: Mappings, group_id: int, stage: str, *,
                 ticket_ids: set[int] | None = None, context: Mapping[str, Any] | None = None) -> int:
    """Tell the group's customers (or only `ticket_ids`) about `stage`, once per ticket per stage per epoch;
    `context` adds to or overrides the group's own placeholders."""
    group = load_group(conn, group_id)
    return notify(conn, mappings, group_id, stage, {**stage_context(conn, group), **(context or {})},
                  epoch=group.epoch, ticket_ids=ticket_ids)


def welcome(conn: Connection, mappings: Mappings | None, group_id: int, ticket_ids: set[int], actor: str) -> None:
    """What joining means for a group under way: a `new` group becomes `grouped`; a declined or deferred one
    records raised demand for the product manager; an approved one links the tickets to its epic and brings
    the epic's description (tickets, popularity) up to date. With
    `mappings`, newcomers to a group in analysis, or approved with a known epic, also hear that stage."""
    group = load_group(conn, group_id)
    if group.state == "new":
        change(conn, group_id, "grouped", actor, values={"state": "grouped"}, tickets=sorted(ticket_ids))
    elif group.state in ("declined", "deferred"):
        log(conn, group_id, "demand_raised", actor, tickets=sorted(ticket_ids))
    elif group.state == "approved":

        for ticket_id in sorted(ticket_ids):
            request_ticket_link(conn, group_id, ticket_id)
        request_epic_update(conn, group_id)
    if mappings is None:
        return
    if group.state == "in_analysis" or (group.state == "approved" and stage_context(conn, group)["epic_key"]):
        notify_stage(conn, mappings, group_id, group.state, ticket_ids=ticket_ids)
