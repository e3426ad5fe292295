"""What the product is told about one of its wishes, or about a wish group it looks up: the stage the group has
reached. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from bridge.store.schema import tracker_links, wish_groups, wishes

STAGE_OF_STATE = {"new": "registered", "grouped": "registered", "in_analysis": "in_analysis",
                  "approved": "approved", "declined": "declined", "deferred": "deferred", "done": "released"}


@dataclass(frozen=True)
class WishStage:
    wish_id: int
    group_id: int
    title: str
    stage: str
    reason: str | None   # why it was declined or deferred, else None


@dataclass(frozen=True)
class GroupStage:
    group_id: int
    title: str
    stage: str
    reason: str | None   # why it was declined or deferred, else None


def _stage(row: Any) -> tuple[str, str | None]:
    """(stage, reason) of a group row with `state`, `reason` and `tracker_stage`: an approved group's epic stage
    once the tracker reports one."""
    stage = STAGE_OF_STATE.get(row.state, "registered")
    if row.state == "approved" and row.tracker_stage:
        stage = row.tracker_stage
    return stage, row.reason if row.state in ("declined", "deferred") else None


def _with_stage(*columns: Any) -> Select[Any]:
    """`columns` of a group (or of its wishes, once joined) with what `_stage` reads."""
    return (select(*columns, wish_groups.c.state, wish_groups.c.reason, tracker_links.c.stage.label("tracker_stage"))
            .outerjoin(tracker_links, tracker_links.c.group_id == wish_groups.c.id))


def wish_stage(conn: Connection, wish_id: int) -> WishStage | None:
    """The wish's stage (an approved group's epic stage once the tracker reports one), or None for an unknown
    wish."""
    row = conn.execute(
        _with_stage(wishes.c.id, wishes.c.title, wishes.c.group_id)
        .join(wishes, wishes.c.group_id == wish_groups.c.id).where(wishes.c.id == wish_id)
    ).first()
    return WishStage(row.id, row.group_id, row.title, *_stage(row)) if row else None


def group_stage(conn: Connection, group_id: int) -> GroupStage | None:
    """The group's stage, as its wishes', or None for an unknown group."""
    row = conn.execute(_with_stage(wish_groups.c.id, wish_groups.c.title).where(wish_groups.c.id == group_id)).first()
    return GroupStage(row.id, row.title, *_stage(row)) if row else None
