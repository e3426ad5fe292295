"""Each wish group's stored popularity (bridge.model.Popularity) and wish count: what the lists sort and filter
by without reading tickets. bridge.workflow.popularity computes them; this module only locks, writes and reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from bridge.model import Popularity
from bridge.store.schema import group_segments, group_stats, stale_group_stats, wish_groups


@dataclass(frozen=True)
class GroupStats:
    wishes: int
    popularity: Popularity
    first_wish_at: datetime | None = None


def lock(conn: Connection, group_ids: Iterable[int]) -> None:
    """Hold the groups' rows until the transaction ends (PostgreSQL; SQLite has one writer at a time), so two
    transactions refreshing one group count one after the other, each seeing what the other committed. The lock
    lets rows pointing at the group be written meanwhile (FOR NO KEY UPDATE)."""
    conn.execute(select(wish_groups.c.id).where(wish_groups.c.id.in_(sorted(set(group_ids))))
                 .order_by(wish_groups.c.id).with_for_update(key_share=True))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, object]], keys: tuple[str, ...]) -> None:
    """Insert `rows`, or update those whose `keys` exist (both dialects spell it ON CONFLICT ... DO UPDATE)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement: Any = dialect.insert(table)
    updated = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updated), rows)


def save(conn: Connection, stats: Mapping[int, GroupStats]) -> None:
    """Store the groups' figures, replacing what was stored for them."""
    if not stats:
        return
    _upsert(conn, group_stats, [
        {"group_id": group_id, "wishes": s.wishes, "tickets": s.popularity.tickets,
         "organizations": s.popularity.organizations, "requesters": s.popularity.requesters,
         "paid_accounts": s.popularity.paid_accounts, "channels": list(s.popularity.channels),
         "first_wish_at": s.first_wish_at}
        for group_id, s in stats.items()], ("group_id",))
    conn.execute(group_segments.delete().where(group_segments.c.group_id.in_(list(stats))))
    segments = [{"group_id": group_id, "segment": segment, "organizations": count,
                 "paid_accounts": s.popularity.segment_paid_accounts.get(segment, 0)}
                for group_id, s in stats.items() for segment, count in s.popularity.by_segment.items()]
    if segments:
        conn.execute(group_segments.insert(), segments)


def mark_stale(conn: Connection, group_ids: Iterable[int]) -> None:
    """Note that these groups' figures are to be counted again (see `stale`)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [{"group_id": group_id} for group_id in sorted(set(group_ids))]
    if rows:
        conn.execute(dialect.insert(stale_group_stats).on_conflict_do_nothing(index_elements=["group_id"]), rows)


def stale(conn: Connection) -> list[int]:
    """The groups whose figures were marked stale, in id order."""
    return list(conn.execute(select(stale_group_stats.c.group_id).order_by(stale_group_stats.c.group_id)).scalars())


def clear_stale(conn: Connection, group_ids: Iterable[int]) -> None:
    conn.execute(stale_group_stats.delete().where(stale_group_stats.c.group_id.in_(list(group_ids))))


def load(conn: Connection, group_ids: Iterable[int]) -> dict[int, GroupStats]:
    """The stored figures of these groups; a group never counted gets zeros."""
    ids = list(group_ids)
    segments: dict[int, dict[str, tuple[int, int]]] = {}
    for part in conn.execute(select(group_segments).where(group_segments.c.group_id.in_(ids))
                             .order_by(group_segments.c.segment)):
        segments.setdefault(part.group_id, {})[part.segment] = (part.organizations, part.paid_accounts)
    found = {row.group_id: row for row in conn.execute(select(group_stats).where(group_stats.c.group_id.in_(ids)))}
    stats = {group_id: GroupStats(0, Popularity()) for group_id in ids}
    for group_id, row in found.items():
        by_segment = segments.get(group_id, {})
        stats[group_id] = GroupStats(row.wishes, Popularity(
            tickets=row.tickets, organizations=row.organizations, requesters=row.requesters,
            channels=tuple(row.channels), paid_accounts=row.paid_accounts,
            by_segment={name: orgs for name, (orgs, _) in by_segment.items()},
            segment_paid_accounts={name: paid for name, (_, paid) in by_segment.items()},
        ), row.first_wish_at)
    return stats
