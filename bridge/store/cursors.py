"""Per-connector sync cursors and run status. Save a cursor in the same transaction as the page it ends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.store.schema import sync_cursors


def load_cursor(conn: Connection, connector: str) -> str | None:
    return conn.execute(select(sync_cursors.c.cursor).where(sync_cursors.c.connector == connector)).scalar()


def _ensure_row(conn: Connection, connector: str) -> None:
    exists = conn.execute(select(sync_cursors.c.connector).where(sync_cursors.c.connector == connector)).first()
    if exists is None:
        conn.execute(sync_cursors.insert().values(connector=connector, stats={}))


def save_cursor(conn: Connection, connector: str, cursor: str) -> None:
    _ensure_row(conn, connector)
    conn.execute(sync_cursors.update().where(sync_cursors.c.connector == connector).values(cursor=cursor))


def record_run(
    conn: Connection, connector: str, *, stats: dict[str, Any], error: str | None = None,
    now: datetime | None = None,
) -> None:
    """Remember how the last run went, for the operations page: a success clears the error, a failure keeps
    the last success and says when it failed."""
    now = now or datetime.now(UTC)
    _ensure_row(conn, connector)
    values: dict[str, Any] = {"last_run_at": now, "last_error": error, "stats": stats}
    values["last_success_at" if error is None else "last_error_at"] = now
    conn.execute(sync_cursors.update().where(sync_cursors.c.connector == connector).values(**values))


def sync_status(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(select(sync_cursors).order_by(sync_cursors.c.connector))]
