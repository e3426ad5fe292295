"""The grouping index over the store: the wishes of every group that takes new wishes, read in one query.

`load_index` builds one from scratch; bridge.grouping.live keeps one per process current, so nothing rebuilds
it per request. Group ids are strings inside the index and integers in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, select

from bridge.grouping.similarity import GroupIndex, GroupingPolicy, WishDoc
from bridge.mapping import Mappings
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.text.encoders import DEFAULT_ENCODER, Encoder, load_encoder
from bridge.workflow.changes import RECEIVING_STATES


def policy_of(mappings: Mappings) -> GroupingPolicy:
    """The policy of mappings/grouping.yaml; a key it leaves out keeps GroupingPolicy's default."""
    known = {f.name for f in fields(GroupingPolicy)}
    return GroupingPolicy(**{k: v for k, v in mappings.get("grouping").items() if k in known})


def encoder_name(mappings: Mappings) -> str:
    """The `encoder` of mappings/grouping.yaml (bridge.text.encoders.DEFAULT_ENCODER when it names none)."""
    return str(mappings.get("grouping").get("encoder", DEFAULT_ENCODER))


def encoder_of(mappings: Mappings) -> Encoder | None:
    return load_encoder(encoder_name(mappings))


def wish_doc(wish_id: int, text: str, category: str | None, subcategory: str | None,
             tags: Iterable[str]) -> WishDoc:
    return WishDoc(str(wish_id), text, category, subcategory, frozenset(tags))


@dataclass(frozen=True)
class StoredDoc:
    doc: WishDoc
    group_id: int


def stored_docs(conn: Connection, *, states: Sequence[str] | None = RECEIVING_STATES,
                group_ids: Iterable[int] | None = None, wish_ids: Iterable[int] | None = None) -> list[StoredDoc]:
    """Every wish of the groups in `states` (None: any state), of `group_ids` and among `wish_ids` only if
    given, with the marking of its tickets: category and subcategory of its first ticket, the tags of all."""
    query = (
        select(wishes.c.id, wishes.c.group_id, wishes.c.text, tickets.c.category, tickets.c.subcategory,
               tickets.c.tags)
        .join(wish_groups, wish_groups.c.id == wishes.c.group_id)
        .outerjoin(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
        .outerjoin(tickets, tickets.c.id == wish_tickets.c.ticket_id)
        .order_by(wishes.c.id, tickets.c.id)
    )
    if group_ids is not None:
        query = query.where(wish_groups.c.id.in_(list(group_ids)))
    if wish_ids is not None:
        query = query.where(wishes.c.id.in_(list(wish_ids)))
    if states is not None:
        query = query.where(wish_groups.c.state.in_(states))
    merged: dict[int, dict[str, Any]] = {}
    for row in conn.execute(query):
        entry = merged.setdefault(row.id, {"group_id": row.group_id, "text": row.text, "category": row.category,
                                           "subcategory": row.subcategory, "tags": set()})
        entry["tags"].update(row.tags or ())
    return [StoredDoc(wish_doc(wish_id, e["text"], e["category"], e["subcategory"], e["tags"]), e["group_id"])
            for wish_id, e in merged.items()]


def load_index(conn: Connection, policy: GroupingPolicy, encoder: Encoder | None = None) -> GroupIndex:
    """A new index of every wish in a group that takes new wishes."""
    index = GroupIndex(policy, encoder)
    index.add_many([(stored.doc, str(stored.group_id)) for stored in stored_docs(conn)])
    return index
