"""Insert a row unless its natural key is already there — safe when two processes race for the same key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select
from sqlalchemy.exc import IntegrityError


def insert_once(conn: Connection, table: Table, key: ColumnElement[bool], values: dict[str, Any]) -> bool:
    """Insert `values` unless a row matches `key`; False when one did (or a concurrent insert won the race,
    which the table's unique constraint reports)."""
    if conn.execute(select(table.c.id).where(key)).first():
        return False
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**values))
    except IntegrityError:
        return False
    return True
