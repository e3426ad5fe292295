"""Exactly one scheduler: a lock held for the life of the worker process and re-checked before every job.

PostgreSQL: a session-level advisory lock keyed on the store's schema, so workers on several machines agree; it
is lost with its connection (a restarted server, a dropped network, pg_terminate_backend), after which another
worker may take it. SQLite: an exclusive file lock beside the database file; it is lost when the lock file is
deleted or replaced, since another worker would then lock the new file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bridge.errors import BridgeError

HOLDS_ADVISORY_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1)"
)


class AlreadyRunning(BridgeError):
    pass


class LockLost(BridgeError):
    """The scheduler lock is no longer ours: another worker may be running jobs now."""


@dataclass
class Lease:
    """This process's hold on the scheduler lock. `check()` before every job: it raises LockLost once the lock
    is gone, and from then on without asking again (a lost lock is never taken back by the same process)."""

    lock: str
    still_held: Callable[[], bool]
    lost: bool = False
    _checking: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self) -> None:
        with self._checking:  # jobs run in several threads; the lock's connection serves one at a time
            self.lost = self.lost or not self.still_held()
        if self.lost:
            raise LockLost(f"the scheduler lock ({self.lock}) is no longer held; another worker may take over")


def advisory_key(schema: str, name: str) -> int:
    """The advisory lock of `name` for the store in `schema`: stores sharing a database do not block each other."""
    return int.from_bytes(hashlib.sha256(f"wishbridge:{name}:{schema}".encode()).digest()[:8], "big", signed=True)


def _holds_advisory_lock(conn: Connection, key: int) -> bool:
    """Asked on the lock's own connection: a dropped one fails, a silently re-opened one holds nothing."""
    try:
        return bool(conn.execute(HOLDS_ADVISORY_LOCK, {"high": (key >> 32) & 0xFFFFFFFF,
                                                       "low": key & 0xFFFFFFFF}).scalar())
    except SQLAlchemyError:
        return False


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[Lease]:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # no transaction left open for the worker's life
        key = advisory_key(str(conn.execute(text("SELECT current_schema()")).scalar()), name)
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            raise AlreadyRunning(f"another wishbridge {name} already holds the scheduler lock")
        try:
            yield Lease(f"PostgreSQL advisory lock {key}", partial(_holds_advisory_lock, conn, key))
        finally:
            with suppress(SQLAlchemyError):  # a lost connection has released it already
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def lock_file(engine: Engine, name: str = "worker") -> Path:
    database = engine.url.database or "wishbridge"
    return Path(database if database != ":memory:" else "wishbridge").with_suffix(f".{name}.lock")


def _same_file(handle: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    ours = os.fstat(handle)
    return (on_disk.st_dev, on_disk.st_ino) == (ours.st_dev, ours.st_ino)


@contextmanager
def _file_lock(engine: Engine, name: str) -> Iterator[Lease]:
    path = lock_file(engine, name)
    handle = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another wishbridge {name} is running ({path} is locked)") from None
        yield Lease(f"file lock {path}", partial(_same_file, handle, path))
    finally:
        os.close(handle)


def single_instance(engine: Engine, name: str = "worker") -> AbstractContextManager[Lease]:
    """The scheduler lock for a `with` block, as a Lease; AlreadyRunning when another process holds it."""
    return _advisory_lock(engine, name) if engine.dialect.name == "postgresql" else _file_lock(engine, name)
