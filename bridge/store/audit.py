"""The audit trail: who did what, when and why, to which entity. Rows are only ever added."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.store.schema import audit


def record(
    conn: Connection, entity: str, entity_id: object, action: str, actor: str, *,
    reason: str | None = None, details: dict[str, Any] | None = None, now: datetime | None = None,
) -> None:
    conn.execute(
        audit.insert().values(
            entity=entity, entity_id=str(entity_id), action=action, actor=actor, reason=reason,
            details=details or {}, at=now or datetime.now(UTC),
        )
    )


def record_many(conn: Connection, entries: list[dict[str, Any]], *, now: datetime | None = None) -> None:
    """`record` each entry (keys: entity, entity_id, action, actor, and optionally reason and details) in one
    statement, in order."""
    if entries:
        at = now or datetime.now(UTC)
        conn.execute(audit.insert(), [
            {"entity": entry["entity"], "entity_id": str(entry["entity_id"]), "action": entry["action"],
             "actor": entry["actor"], "reason": entry.get("reason"), "details": entry.get("details") or {},
             "at": at} for entry in entries])


def trail(conn: Connection, entity: str, entity_id: object) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(audit).where(audit.c.entity == entity, audit.c.entity_id == str(entity_id)).order_by(audit.c.id)
    )
    return [dict(row._mapping) for row in rows]
