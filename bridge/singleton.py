"""Exactly one scheduler: a lock held for the life of the worker process.

PostgreSQL: a session-level advisory lock, so workers on several machines agree. SQLite: an exclusive file
lock beside the database file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from bridge.errors import BridgeError

LOCK_ID = 0x5749534842  # "WISHB"


class AlreadyRunning(BridgeError):
    pass


@contextmanager
def single_instance(engine: Engine, name: str = "worker") -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": LOCK_ID}).scalar():
                raise AlreadyRunning(f"another wishbridge {name} already holds the scheduler lock")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
        return
    database = engine.url.database or "wishbridge"
    lock_path = Path(database if database != ":memory:" else "wishbridge").with_suffix(f".{name}.lock")
    handle = os.open(lock_path, os.O_CREAT | os.O_RDWR)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another wishbridge {name} is running ({lock_path} is locked)") from None
        yield
    finally:
        os.close(handle)
