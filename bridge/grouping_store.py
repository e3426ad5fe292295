"""The grouping index over the store: the wishes of every group that takes new wishes, read in one query.

Build the index once per batch (an intake page, a regroup run) and keep it current with `GroupIndex.add`;
never rebuild it per wish. Group ids are strings inside the index and integers in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, select

from bridge.grouping import GroupIndex, GroupingPolicy, WishDoc
from bridge.groups import RECEIVING_STATES
from bridge.mapping import Mappings
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes


def policy_of(mappings: Mappings) -> GroupingPolicy:
    """The policy of mappings/grouping.yaml; a key it leaves out keeps GroupingPolicy's default."""
    known = {f.name for f in fields(GroupingPolicy)}
    return GroupingPolicy(**{k: v for k, v in mappings.get("grouping").items() if k in known})


def wish_doc(wish_id: int, text: str, category: str | None, subcategory: str | None,
             tags: Iterable[str]) -> WishDoc:
    return WishDoc(str(wish_id), text, category, subcategory, frozenset(tags))


@dataclass(frozen=True)
class StoredDoc:
    doc: WishDoc
    group_id: int


def stored_docs(conn: Connection, *, states: Sequence[str] = RECEIVING_STATES,
                group_ids: Sequence[int] | None = None) -> list[StoredDoc]:
    """Every wish of the groups in `states` (or of `group_ids`) with the marking of its tickets: category and
    subcategory of its first ticket, the tags of all."""
    query = (
        select(wishes.c.id, wishes.c.group_id, wishes.c.text, tickets.c.category, tickets.c.subcategory,
               tickets.c.tags)
        .join(wish_groups, wish_groups.c.id == wishes.c.group_id)
        .outerjoin(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
        .outerjoin(tickets, tickets.c.id == wish_tickets.c.ticket_id)
        .order_by(wishes.c.id, tickets.c.id)
    )
    query = query.where(wish_groups.c.id.in_(group_ids)) if group_ids is not None else query.where(
        wish_groups.c.state.in_(states))
    merged: dict[int, dict[str, Any]] = {}
    for row in conn.execute(query):
        entry = merged.setdefault(row.id, {"group_id": row.group_id, "text": row.text, "category": row.category,
                                           "subcategory": row.subcategory, "tags": set()})
        entry["tags"].update(row.tags or ())
    return [StoredDoc(wish_doc(wish_id, e["text"], e["category"], e["subcategory"], e["tags"]), e["group_id"])
            for wish_id, e in merged.items()]


def load_index(conn: Connection, policy: GroupingPolicy, *, exclude_group: int | None = None) -> GroupIndex:
    """An index of every wish in a group that takes new wishes (but `exclude_group`)."""
    index = GroupIndex(policy)
    for stored in stored_docs(conn):
        if stored.group_id != exclude_group:
            index.add(stored.doc, str(stored.group_id))
    return index
