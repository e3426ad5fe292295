"""Suggested groups: the groups most like a group (its page) or like a ticket that is no wish yet (the
sidebar), best first, and the product manager's verdict on one. Suggestions read the process's live index
(bridge.grouping.live); a verdict is stored and audited on the group it was given on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, select

from bridge.grouping.live import using_index
from bridge.grouping.similarity import Suggestion, WishDoc
from bridge.grouping.store_index import StoredDoc, wish_doc
from bridge.grouping.verdicts import record_verdict, rejected_with
from bridge.mapping import Mappings
from bridge.store.schema import wish_groups
from bridge.workflow.changes import log

SIMILAR_QUERIES = 30  # a large group is compared through its first wishes, not all of them
FOR_A_TICKET = 5


@dataclass(frozen=True)
class SuggestedGroup:
    """A group offered as the same request, with the scores of its best-matching wish."""

    group_id: int
    title: str
    state: str
    score: float
    text_score: float
    marking_score: float


def _shown(conn: Connection, found: Sequence[Suggestion]) -> list[SuggestedGroup]:
    groups = {row.id: row for row in conn.execute(
        select(wish_groups.c.id, wish_groups.c.title, wish_groups.c.state)
        .where(wish_groups.c.id.in_([int(s.group_id) for s in found])))}
    return [SuggestedGroup(int(s.group_id), groups[int(s.group_id)].title, groups[int(s.group_id)].state, s.score,
                           s.text_score, s.marking_score) for s in found]


def similar_groups(conn: Connection, mappings: Mappings, group_id: int, docs: Iterable[StoredDoc],
                   k: int = 5) -> list[SuggestedGroup]:
    """The groups most like this one, whose wishes are `docs` (oldest first): each scored by its best match
    with any of the first SIMILAR_QUERIES, so a single-wish group sees exactly the scores intake saw (a wish
    with the very text and marking of an earlier one is asked once). Groups the product manager said are not
    the same as this one are left out."""
    distinct: dict[WishDoc, StoredDoc] = {}
    for stored in list(docs)[:SIMILAR_QUERIES]:
        distinct.setdefault(replace(stored.doc, id=""), stored)
    queries = list(distinct.values())
    if not queries:
        return []
    exclude = {str(group_id), *map(str, rejected_with(conn, group_id))}
    best: dict[str, Suggestion] = {}
    with using_index(conn, mappings) as index:
        index.prepare([stored.doc.text for stored in queries])
        for stored in queries:
            for found in index.suggest(stored.doc, k, exclude):
                if found.group_id not in best or found.score > best[found.group_id].score:
                    best[found.group_id] = found
    return _shown(conn, sorted(best.values(), key=lambda s: (-s.score, int(s.group_id)))[:k])


def groups_like(conn: Connection, mappings: Mappings, text: str, category: str | None, subcategory: str | None,
                tags: Iterable[str], k: int = FOR_A_TICKET) -> list[SuggestedGroup]:
    """The groups taking new wishes that a text with this marking resembles most, best first."""
    with using_index(conn, mappings) as index:
        found = index.suggest(wish_doc(0, text, category, subcategory, tags), k)
    return _shown(conn, found)


def judge(conn: Connection, group_id: int, other_id: int, verdict: str, actor: str,
          score: float | None = None) -> None:
    """The product manager's verdict (`same` or `not_same`) on `other_id` suggested on `group_id`'s page,
    with the score shown; audited on `group_id`. WorkflowError for an unknown group or verdict."""
    record_verdict(conn, group_id, other_id, verdict, actor, score)
    log(conn, group_id, "verdict", actor, other=other_id, verdict=verdict, score=score)
