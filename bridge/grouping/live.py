"""One grouping index per process and store, kept current from the store's audit trail.

The index is built once, at the first use in a process. After that, every use first reads the audit rows it
has not seen: every write that can move a wish (a wish added, a merge, unmerge, split, any change of a
group's state) leaves an `audit` row for each group it touches (bridge.workflow.changes), so the index re-reads
exactly those groups and adds, moves, re-texts or drops their wishes; where a group's only news is wishes
added, only those wishes are read (a large group growing by one costs one wish, not the group), and not even
them when the caller added them to the index itself. One indexed
query per use, and it sees writes of other processes too (the worker's sync and the web server share nothing else).

A transaction's own uncommitted writes are visible to it, so wishes registered one after another in one
transaction meet. When a transaction rolls back, the groups it touched are re-read at the next use.
Audit ids below the newest one seen that were missing (another transaction still open) are asked for again
until they show up or expire.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, event, func, or_, select

from bridge.grouping.similarity import GroupIndex, GroupingPolicy
from bridge.grouping.store_index import encoder_name, encoder_of, load_index, policy_of, stored_docs
from bridge.mapping import Mappings
from bridge.store.schema import audit

GAP_SECONDS = 300.0


class LiveIndex:
    """A GroupIndex and the audit position it reflects. Use it through `using_index`."""

    def __init__(self, engine: Engine, index: GroupIndex, seen: int) -> None:
        self.index = index
        self.lock = threading.RLock()
        self._seen = seen
        self._gaps: dict[int, float] = {}
        self._stale: set[int] = set()
        self._open: dict[int, tuple[int, set[int]]] = {}
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)

    def catch_up(self, conn: Connection) -> None:
        """Apply the audit rows ``conn`` sees that this index has not."""
        wanted = or_(audit.c.id > self._seen, audit.c.id.in_(list(self._gaps))) if self._gaps else (
            audit.c.id > self._seen)
        rows = conn.execute(select(audit.c.id, audit.c.entity, audit.c.entity_id, audit.c.action, audit.c.details)
                            .where(wanted)).all()
        found = {row.id for row in rows}   # every entity's ids, so that only ids not yet visible count as gaps
        for gap in found & self._gaps.keys():
            del self._gaps[gap]
        newest = max(found, default=self._seen)
        if newest > self._seen:
            now = time.monotonic()
            self._gaps.update(dict.fromkeys(set(range(self._seen + 1, newest)) - found, now))
        self._gaps = {gap: since for gap, since in self._gaps.items() if time.monotonic() - since < GAP_SECONDS}
        groups, added = _touched(rows)
        groups |= self._stale
        start = self._seen
        self._seen, self._stale = max(newest, self._seen), set()
        if conn.in_transaction():
            opened = self._open.setdefault(id(conn), (start, set()))
            opened[1].update(groups | {group for group, _ in added})
        self._refresh(conn, groups, {wish for group, wish in added if group not in groups
                                     and not self._holds(wish, group)})

    def _holds(self, wish: int, group: int) -> bool:
        """Whether the index has the wish in that group already (the caller added it): a wish's text changes
        only through writes that read its group again whole."""
        return str(wish) in self.index and self.index.group_of(str(wish)) == str(group)

    def _refresh(self, conn: Connection, groups: set[int], wishes: set[int]) -> None:
        """Bring the wishes of `groups`, and the `wishes`, in line with the store."""
        if not groups and not wishes:
            return
        index = self.index
        stored = [*(stored_docs(conn, group_ids=groups) if groups else []),
                  *(stored_docs(conn, wish_ids=wishes) if wishes else [])]
        wanted = {entry.doc.id: entry for entry in stored}
        reread = {doc_id for group_id in groups for doc_id in index.members_of(str(group_id))}
        reread |= {str(wish) for wish in wishes if str(wish) in index}
        for doc_id in reread - wanted.keys():
            index.remove(doc_id)
        for doc_id, entry in wanted.items():
            if doc_id in index and index.doc(doc_id) != entry.doc:
                index.remove(doc_id)
            if doc_id not in index:
                index.add(entry.doc, str(entry.group_id))
            elif index.group_of(doc_id) != str(entry.group_id):
                index.move(doc_id, str(entry.group_id))

    def _committed(self, conn: Connection) -> None:
        with self.lock:
            self._open.pop(id(conn), None)

    def _rolled_back(self, conn: Connection) -> None:
        with self.lock:
            start, groups = self._open.pop(id(conn), (self._seen, set()))
            self._seen = min(self._seen, start)
            self._stale |= groups


def _touched(rows: Sequence[Any]) -> tuple[set[int], set[tuple[int, int]]]:
    """From audit rows: the groups to read again whole, and (group, wish) for each wish added to a group that
    has no other news."""
    news: dict[int, list[Any]] = {}
    for row in rows:
        if row.entity == "group":
            news.setdefault(int(row.entity_id), []).append(row)
    whole: set[int] = set()
    added: set[tuple[int, int]] = set()
    for group, group_rows in news.items():
        if all(row.action == "wish_added" and "wish" in (row.details or {}) for row in group_rows):
            added.update((group, int(row.details["wish"])) for row in group_rows)
        else:
            whole.add(group)
    return whole, added


_LIVE: weakref.WeakKeyDictionary[Engine, dict[tuple[GroupingPolicy, str], LiveIndex]] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()


def _build(conn: Connection, mappings: Mappings) -> LiveIndex:
    """An index of what is committed (read on a connection of its own, so that a caller's open transaction
    reaches the index through `catch_up` and is undone if it rolls back); an in-memory SQLite store has only
    the caller's connection."""
    engine = conn.engine
    in_memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
    with (nullcontext(conn) if in_memory else engine.connect()) as reader:
        seen = reader.execute(select(func.coalesce(func.max(audit.c.id), 0))).scalar_one()
        index = load_index(reader, policy_of(mappings), encoder_of(mappings))
    return LiveIndex(engine, index, int(seen))


def _live(conn: Connection, mappings: Mappings) -> LiveIndex:
    key = (policy_of(mappings), encoder_name(mappings))
    with _BUILDING:
        per_engine = _LIVE.setdefault(conn.engine, {})
        if key not in per_engine:
            per_engine[key] = _build(conn, mappings)
        return per_engine[key]


@contextmanager
def using_index(conn: Connection, mappings: Mappings) -> Iterator[GroupIndex]:
    """The process's index of the store behind ``conn``, current with what ``conn`` sees, held for this caller
    alone until the block ends. A caller may add the wishes it registers; the audit rows of its writes are
    read when the block ends, so a rollback re-reads their groups."""
    live = _live(conn, mappings)
    with live.lock:
        live.catch_up(conn)
        yield live.index
        live.catch_up(conn)
