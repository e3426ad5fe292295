"""Re-run grouping over the wishes nobody has reviewed yet (`wishbridge group run`).

Each `new` group with a single wish is compared with every other group that takes wishes; where the policy
is confident it is merged into the best one (reversible with unmerge), its wish marked `join_mode='auto'`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from bridge.grouping.live import using_index
from bridge.grouping.store_index import stored_docs
from bridge.grouping.verdicts import rejected_with
from bridge.mapping import Mappings
from bridge.store.schema import wish_groups, wishes
from bridge.workflow.merging import merge

ACTOR = "grouping"


@dataclass
class RegroupSummary:
    examined: int = 0
    joined: list[tuple[int, int, float]] = field(default_factory=list)   # (group, into group, score)

    def line(self) -> str:
        return f"{self.examined} single-wish new groups examined, {len(self.joined)} joined a similar group"


def _single_new_groups(conn: Connection) -> list[int]:
    return list(conn.execute(
        select(wish_groups.c.id).join(wishes, wishes.c.group_id == wish_groups.c.id)
        .where(wish_groups.c.state == "new").group_by(wish_groups.c.id)
        .having(func.count(wishes.c.id) == 1).order_by(wish_groups.c.id)
    ).scalars())


def regroup(conn: Connection, mappings: Mappings) -> RegroupSummary:
    """Auto-join confident pairs among unreviewed single-wish groups; returns what was examined and joined."""
    summary = RegroupSummary()
    candidates = _single_new_groups(conn)
    if not candidates:
        return summary
    targets: set[int] = set()
    with using_index(conn, mappings) as index:
        for stored in stored_docs(conn, group_ids=candidates):
            if stored.group_id in targets:
                continue
            summary.examined += 1
            index.remove(stored.doc.id)
            rejected = map(str, rejected_with(conn, stored.group_id))
            decision = index.decide(stored.doc, 0, exclude=rejected)
            if decision.join is None or decision.join_score is None:
                index.add(stored.doc, str(stored.group_id))
                continue
            merge(conn, stored.group_id, int(decision.join), ACTOR)
            conn.execute(wishes.update().where(wishes.c.id == int(stored.doc.id))
                         .values(join_mode="auto", join_score=decision.join_score))
            index.add(stored.doc, decision.join)
            targets.add(int(decision.join))
            summary.joined.append((stored.group_id, int(decision.join), decision.join_score))
    return summary
