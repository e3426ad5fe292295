"""Wish groups as the lifecycle sees them: which action each state allows, loading and changing a group
with its audit row, and what happens when tickets join a group that is already under way.

Every change goes through `change` or `log`, so every change leaves an audit row (entity `group`) and marks the
group active (`wish_groups.active_at`, the lists' "last activity").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.outbox.notify import Audience, notify, notify_all
from bridge.outbox.wording import Reason
from bridge.store.audit import record_many
from bridge.store.schema import tracker_links, wish_groups
from bridge.text.numbers import public_number
from bridge.tracker.requests import request_epic_update, request_ticket_link
from bridge.workflow.popularity import refresh

_RECEIVING = frozenset({"attach", "comment"})
ACTIONS: dict[str, frozenset[str]] = {
    "new": _RECEIVING | {"confirm", "route", "decline", "defer", "merge"},
    "grouped": _RECEIVING | {"route", "decline", "defer", "merge", "split"},
    "in_analysis": _RECEIVING | {"route", "analyse", "ask", "approve", "decline", "defer", "merge", "split"},
    "approved": _RECEIVING | {"analyse", "done", "decline", "handover"},
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
        raise WorkflowError(f"no wish group {public_number(group_id)}")
    return row


def require(group: Row[Any], action: str) -> None:
    """WorkflowError naming the state and the allowed actions when `action` is not allowed now."""
    allowed = allowed_actions(group.state)
    if action not in allowed:
        raise WorkflowError(f"group {public_number(group.id)} is {group.state}: cannot {action} "
                            f"(allowed: {', '.join(sorted(allowed)) or 'nothing'})")


def require_reason(reason: str | None, action: str) -> str:
    if not reason or not reason.strip():
        raise WorkflowError(f"a reason is required to {action}")
    return reason.strip()


@dataclass(frozen=True)
class NewGroup:
    title: str
    state: str
    category: str | None
    subcategory: str | None


def create_group(conn: Connection, *, title: str, state: str, category: str | None,
                 subcategory: str | None) -> int:
    return create_groups(conn, [NewGroup(title, state, category, subcategory)])[0]


def create_groups(conn: Connection, groups: Sequence[NewGroup]) -> list[int]:
    """Store the groups in one statement; their ids, in order."""
    if not groups:
        return []
    now = datetime.now(UTC)
    return list(conn.execute(wish_groups.insert().returning(wish_groups.c.id, sort_by_parameter_order=True), [
        {"title": group.title, "description": "", "state": group.state, "notes": "", "category": group.category,
         "subcategory": group.subcategory, "epoch": 0, "created_at": now, "updated_at": now, "active_at": now}
        for group in groups]).scalars())


def log(conn: Connection, group_id: int, action: str, actor: str, reason: str | None = None,
        **details: Any) -> None:
    log_many(conn, [(group_id, action, details)], actor, reason)


def log_many(conn: Connection, entries: Sequence[tuple[int, str, dict[str, Any]]], actor: str,
             reason: str | None = None) -> None:
    """`log` each (group, action, details) in one statement, marking the groups active now and counting the
    moved ones again once."""
    record_many(conn, [{"entity": "group", "entity_id": group_id, "action": action, "actor": actor,
                        "reason": reason, "details": details} for group_id, action, details in entries])
    conn.execute(wish_groups.update().where(wish_groups.c.id.in_(sorted({group_id for group_id, _, _ in entries})))
                 .values(active_at=datetime.now(UTC)))
    refresh(conn, {group_id for group_id, action, _ in entries if action in MOVES})


def change(conn: Connection, group_id: int, action: str, actor: str, reason: str | None = None, *,
           values: dict[str, Any], **details: Any) -> None:
    """Update the group's columns and write the audit row of the change in one step."""
    conn.execute(wish_groups.update().where(wish_groups.c.id == group_id)
                 .values(**values, updated_at=datetime.now(UTC)))
    log(conn, group_id, action, actor, reason, **details)


def stage_context(conn: Connection, group: Row[Any]) -> dict[str, Any]:
    """Placeholders of mappings/messages.yaml for a group-wide message."""
    return stage_contexts(conn, [group])[group.id]


def stage_contexts(conn: Connection, groups: Sequence[Row[Any]]) -> dict[int, dict[str, Any]]:
    """`stage_context` of many groups, with one read of their epics."""
    links = {link.group_id: link for link in conn.execute(
        select(tracker_links).where(tracker_links.c.group_id.in_([group.id for group in groups])))}
    contexts: dict[int, dict[str, Any]] = {}
    for group in groups:
        link = links.get(group.id)
        contexts[group.id] = {
            "wish_title": group.title, "wish_id": group.id,
            "reason": Reason.of(group.reasons) if group.reasons else group.reason or "",
            "epic_key": link.issue_key if link else "", "epic_status": link.status or "" if link else "",
            "epic_url": link.url or "" if link else "",
            "fix_version": f" ({link.fix_version})" if link and link.fix_version else "",
        }
    return contexts


def notify_stage(conn: Connection, mappings: Mappings, group_id: int, stage: str, *,
                 ticket_ids: set[int] | None = None, context: Mapping[str, Any] | None = None,
                 as_is: Collection[str] = (), not_before: datetime | None = None) -> int:
    """Tell the group's customers (or only `ticket_ids`) about `stage`, once per ticket per stage per epoch;
    `context` adds to or overrides the group's own placeholders (`as_is`, `not_before`: see outbox.notify)."""
    group = load_group(conn, group_id)
    return notify(conn, mappings, group_id, stage, {**stage_context(conn, group), **(context or {})},
                  epoch=group.epoch, ticket_ids=ticket_ids, as_is=as_is, not_before=not_before)


def notify_groups(conn: Connection, mappings: Mappings, stage: str, tickets: Mapping[int, set[int]]) -> int:
    """`notify_stage` for these tickets of each group, with one read of the groups and one write."""
    groups = list(conn.execute(select(wish_groups).where(wish_groups.c.id.in_(list(tickets)))))
    contexts = stage_contexts(conn, groups)
    return notify_all(conn, mappings, stage, [Audience(group.id, contexts[group.id], group.epoch, tickets[group.id])
                                              for group in groups])


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
