"""Merge, unmerge and split wish groups. Nothing is ever lost: wishes, their tickets and the comments move
between groups, and the audit row of a merge remembers exactly what moved so that unmerge can undo it.

Which group survives a merge of two (`merge_pair`): the one the product manager picks, else the one with more
tickets, and of two with as many the older one (created first; the lower id when created at the same moment) —
unless the lifecycle allows only the other way (a group past analysis takes wishes but is never merged away). The
survivor keeps its topic (category and subcategory) and takes the absorbed group's only when it has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from bridge.errors import WorkflowError
from bridge.store import group_stats
from bridge.store.audit import trail
from bridge.store.schema import comments, wish_tickets, wishes
from bridge.workflow.changes import allowed_actions, change, create_group, load_group, log, require, welcome


def wish_ids_of(conn: Connection, group_id: int) -> list[int]:
    return list(conn.execute(select(wishes.c.id).where(wishes.c.group_id == group_id).order_by(wishes.c.id))
                .scalars())


def _ticket_ids(conn: Connection, wish_ids: Sequence[int]) -> set[int]:
    return set(conn.execute(select(wish_tickets.c.ticket_id).where(wish_tickets.c.wish_id.in_(wish_ids)))
               .scalars())


def _comment_ids(conn: Connection, group_id: int) -> list[int]:
    return list(conn.execute(select(comments.c.id).where(comments.c.group_id == group_id)).scalars())


def _move(conn: Connection, wish_ids: Sequence[int], comment_ids: Sequence[int], group_id: int) -> None:
    conn.execute(wishes.update().where(wishes.c.id.in_(wish_ids)).values(group_id=group_id))
    conn.execute(comments.update().where(comments.c.id.in_(comment_ids)).values(group_id=group_id))


def merge(conn: Connection, source_id: int, target_id: int, actor: str) -> None:
    """Move every wish and comment of `source_id` into `target_id`; the source becomes `merged`. The target
    treats the newcomers as joining tickets (groups.welcome); popularity counts each organisation once. A target
    without a topic takes the source's."""
    if source_id == target_id:
        raise WorkflowError(f"cannot merge group {source_id} into itself")
    source = load_group(conn, source_id)
    require(source, "merge")
    target = load_group(conn, target_id)
    require(target, "attach")
    wish_ids = wish_ids_of(conn, source_id)
    comment_ids = _comment_ids(conn, source_id)
    _move(conn, wish_ids, comment_ids, target_id)
    topic = {"category": source.category, "subcategory": source.subcategory} \
        if target.category is None and source.category is not None else {}
    change(conn, source_id, "merge", actor, values={"state": "merged", "merged_into": target_id},
           into=target_id, previous_state=source.state, wishes=wish_ids, comments=comment_ids,
           topic_taken=True if topic else None)
    change(conn, target_id, "merged_in", actor, values=topic, source=source_id, wishes=wish_ids, **topic)
    welcome(conn, None, target_id, _ticket_ids(conn, wish_ids), actor)


@dataclass(frozen=True)
class MergeSide:
    """One of two groups about to be merged, as the merge form shows it."""

    id: int
    title: str
    state: str
    tickets: int
    created_at: datetime
    category: str | None
    subcategory: str | None


def _side(group: Row[Any], tickets: int) -> MergeSide:
    return MergeSide(group.id, group.title, group.state, tickets, group.created_at, group.category, group.subcategory)


def _may_absorb(survivor: MergeSide, absorbed: MergeSide) -> bool:
    return "attach" in allowed_actions(survivor.state) and "merge" in allowed_actions(absorbed.state)


def merge_sides(conn: Connection, first_id: int, second_id: int) -> tuple[MergeSide, MergeSide]:
    """(survivor, absorbed) of merging the two groups by the rule (see the module); WorkflowError when the
    lifecycle allows neither way."""
    if first_id == second_id:
        raise WorkflowError(f"cannot merge group {first_id} into itself")
    stats = group_stats.load(conn, [first_id, second_id])
    first, second = (_side(load_group(conn, group_id), stats[group_id].popularity.tickets)
                     for group_id in (first_id, second_id))
    ranked = sorted((first, second), key=lambda side: (-side.tickets, side.created_at, side.id))
    ways = [way for way in (tuple(ranked), tuple(reversed(ranked))) if _may_absorb(*way)]
    if not ways:
        raise WorkflowError(f"groups {first_id} ({first.state}) and {second_id} ({second.state}) cannot be merged")
    survivor, absorbed = ways[0]
    return survivor, absorbed


def merge_pair(conn: Connection, first_id: int, second_id: int, actor: str, survivor: int | None = None) -> int:
    """Merge two groups: `survivor` (one of them) takes the other in, or, without one, the survivor by the rule
    (see the module). Returns the survivor's id."""
    if survivor is None:
        survivor = merge_sides(conn, first_id, second_id)[0].id
    if survivor not in (first_id, second_id):
        raise WorkflowError(f"group {survivor} is not one of the groups merged ({first_id}, {second_id})")
    absorbed = second_id if survivor == first_id else first_id
    merge(conn, absorbed, survivor, actor)
    return survivor


def unmerge(conn: Connection, source_id: int, actor: str) -> None:
    """Undo the last merge of `source_id`: its wishes and comments still in the target come back and the
    group returns to the state it had. A target merged on in turn must be unmerged first."""
    source = load_group(conn, source_id)
    require(source, "unmerge")
    target = load_group(conn, source.merged_into)
    if target.state == "merged":
        raise WorkflowError(f"group {target.id} is merged into group {target.merged_into}; unmerge it first")
    merged = next(row["details"] for row in reversed(trail(conn, "group", source_id)) if row["action"] == "merge")
    still_there = set(wish_ids_of(conn, target.id))
    wish_ids = [wish_id for wish_id in merged["wishes"] if wish_id in still_there]
    if not wish_ids:
        raise WorkflowError(f"none of the wishes merged from group {source_id} is still in group {target.id}")
    comment_ids = [c for c in merged["comments"] if c in set(_comment_ids(conn, target.id))]
    _move(conn, wish_ids, comment_ids, source_id)
    change(conn, source_id, "unmerge", actor, values={"state": merged["previous_state"], "merged_into": None},
           source=target.id, wishes=wish_ids, comments=comment_ids)
    taken_back = merged.get("topic_taken") and (target.category, target.subcategory) == (
        source.category, source.subcategory)
    change(conn, target.id, "unmerged_out", actor,
           values={"category": None, "subcategory": None} if taken_back else {}, source=source_id, wishes=wish_ids)


def split(conn: Connection, group_id: int, wish_ids: list[int], actor: str, title: str | None = None) -> int:
    """Move `wish_ids` out of the group into a new `grouped` group (same topic); returns its id. At least
    one wish must stay behind; comments stay with the original group."""
    group = load_group(conn, group_id)
    require(group, "split")
    current = wish_ids_of(conn, group_id)
    strangers = sorted(set(wish_ids) - set(current))
    if strangers:
        raise WorkflowError(f"wishes {', '.join(map(str, strangers))} are not in group {group_id}")
    if not wish_ids or set(wish_ids) == set(current):
        raise WorkflowError(f"a split moves some of the wishes of group {group_id}, not none or all")
    moving = sorted(set(wish_ids))
    first_title = conn.execute(select(wishes.c.title).where(wishes.c.id == moving[0])).scalar_one()
    new_id = create_group(conn, title=title or first_title, state="grouped", category=group.category,
                          subcategory=group.subcategory)
    _move(conn, moving, (), new_id)
    log(conn, group_id, "split", actor, into=new_id, wishes=moving)
    log(conn, new_id, "split_from", actor, source=group_id, wishes=moving)
    return new_id
