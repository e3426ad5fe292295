"""Merge, unmerge and split wish groups. Nothing is ever lost: wishes, their tickets and the comments move
between groups, and the audit row of a merge remembers exactly what moved so that unmerge can undo it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from bridge.errors import WorkflowError
from bridge.store.audit import trail
from bridge.store.schema import comments, wish_tickets, wishes
from bridge.workflow.changes import change, create_group, load_group, log, require, welcome


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
    treats the newcomers as joining tickets (groups.welcome); popularity counts each organisation once."""
    if source_id == target_id:
        raise WorkflowError(f"cannot merge group {source_id} into itself")
    source = load_group(conn, source_id)
    require(source, "merge")
    require(load_group(conn, target_id), "attach")
    wish_ids = wish_ids_of(conn, source_id)
    comment_ids = _comment_ids(conn, source_id)
    _move(conn, wish_ids, comment_ids, target_id)
    change(conn, source_id, "merge", actor, values={"state": "merged", "merged_into": target_id},
           into=target_id, previous_state=source.state, wishes=wish_ids, comments=comment_ids)
    log(conn, target_id, "merged_in", actor, source=source_id, wishes=wish_ids)
    welcome(conn, None, target_id, _ticket_ids(conn, wish_ids), actor)


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
    log(conn, target.id, "unmerged_out", actor, source=source_id, wishes=wish_ids)


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
