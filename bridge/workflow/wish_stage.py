"""What the product is told about one of its wishes: the stage its group has reached. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

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


def wish_stage(conn: Connection, wish_id: int) -> WishStage | None:
    """The wish's stage (an approved group's epic stage once Jira reports one), or None for an unknown wish."""
    row = conn.execute(
        select(wishes.c.id, wishes.c.title, wishes.c.group_id, wish_groups.c.state, wish_groups.c.reason,
               tracker_links.c.stage.label("tracker_stage"))
        .join(wish_groups, wish_groups.c.id == wishes.c.group_id)
        .outerjoin(tracker_links, tracker_links.c.group_id == wishes.c.group_id)
        .where(wishes.c.id == wish_id)
    ).first()
    if row is None:
        return None
    stage = STAGE_OF_STATE.get(row.state, "registered")
    if row.state == "approved" and row.tracker_stage:
        stage = row.tracker_stage
    return WishStage(row.id, row.group_id, row.title, stage,
                     row.reason if row.state in ("declined", "deferred") else None)
