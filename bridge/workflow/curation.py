"""The product manager's housekeeping on wish groups: a group's title, its owner, and merging several suggested
groups into one in a single step. Each is an audited change (bridge.workflow.changes); the merges go through the
lifecycle's own merge command, one group at a time, so they follow its rules (which group survives included).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from bridge.errors import WorkflowError
from bridge.store.users import get_user, user_by_id
from bridge.tracker.requests import request_epic_update
from bridge.workflow.changes import change, load_group
from bridge.workflow.merging import merge
from bridge.workflow.suggestions import judge


def _open(conn: Connection, group_id: int, action: str) -> Row[Any]:
    """The group, unless it is merged (it is looked after where it was merged into)."""
    group = load_group(conn, group_id)
    if group.state == "merged":
        raise WorkflowError(f"group {group_id} is merged into group {group.merged_into}: {action} that one")
    return group


def rename(conn: Connection, group_id: int, title: str, actor: str) -> None:
    """Give the group a new title; an epic in the tracker gets the new description."""
    group = _open(conn, group_id, "rename")
    title = " ".join(title.split())
    if not title:
        raise WorkflowError("a group needs a title")
    if title == group.title:
        raise WorkflowError(f"group {group_id} is already called '{title}'")
    change(conn, group_id, "rename", actor, values={"title": title}, previous_title=group.title, title=title)
    request_epic_update(conn, group_id)


def assign(conn: Connection, group_id: int, username: str | None, actor: str) -> None:
    """Make the enabled user `username` the group's owner, or leave it without one (None)."""
    group = _open(conn, group_id, "assign")
    owner = get_user(conn, username) if username else None
    if username and (owner is None or owner.disabled):
        raise WorkflowError(f"no enabled user '{username}' to own group {group_id}")
    previous = user_by_id(conn, group.owner_id) if group.owner_id is not None else None
    if (owner and owner.id) == group.owner_id:
        raise WorkflowError(f"group {group_id} already has that owner")
    change(conn, group_id, "assign", actor, values={"owner_id": owner.id if owner else None},
           owner=owner.username if owner else None, previous_owner=previous.username if previous else None)


def merge_suggested(conn: Connection, target_id: int, suggested: Sequence[tuple[int, float | None]],
                    actor: str) -> int:
    """Merge each of the `suggested` (group, score shown) into `target_id` through the merge command, each also
    recorded as the verdict `same` with its score, as a merge from one suggestion is. All or nothing: the caller's
    transaction holds them. Returns the group that holds them all (the target, unless a merge kept another)."""
    if not suggested:
        raise WorkflowError("tick the suggested groups to merge")
    holder = target_id
    for source_id, score in suggested:
        merge(conn, source_id, holder, actor)
        judge(conn, target_id, source_id, "same", actor, score)
        holder = _surviving(conn, holder)
    return holder


def _surviving(conn: Connection, group_id: int) -> int:
    """The group that holds `group_id`'s wishes now: itself, or where it was merged into (followed to the end)."""
    group = load_group(conn, group_id)
    seen = {group_id}
    while group.state == "merged" and group.merged_into is not None and group.merged_into not in seen:
        seen.add(group.merged_into)
        group = load_group(conn, group.merged_into)
    return int(group.id)
