"""Opening the store and bringing its schema up to date (Alembic)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from bridge.errors import ConfigError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: a power cut may lose the last commits, never corrupts
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for `url` whose errors never show statement parameters (they hold customer data). SQLite gets
    WAL, foreign keys and a busy timeout: a writer waits for another process's write instead of failing."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


SERVER_WAL_PAGES = 10_000   # ~40 MB: the cap on the WAL should no worker be running to fold it back


def leave_checkpoints_to_the_worker(engine: Engine) -> None:
    """A SQLite commit that grows the WAL past 1,000 pages folds it back into the database there and then,
    making its caller wait. The web server's requests should not (a webhook waits for its acknowledgement): its
    connections fold it back only past SERVER_WAL_PAGES, and the worker's commits, which follow the web's
    writes, do it at the usual size. Connections already open are closed so that every one takes this."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _server_wal)
        engine.dispose()


def _server_wal(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SERVER_WAL_PAGES}")


@contextmanager
def begin_promptly(engine: Engine) -> Iterator[Connection]:
    """`engine.begin()` for a short write a caller is waiting on (a webhook's acknowledgement). On SQLite the
    write lock is taken at the start and asked for again every millisecond while another process holds it:
    SQLite's own busy handler sleeps up to 100 ms between tries, so a writer that holds the lock in short
    back-to-back transactions (the worker) would keep the caller waiting far longer than the lock is held."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        _take_write_lock(conn.connection.driver_connection)
        with conn.begin():
            yield conn


def _take_write_lock(driver: Any) -> None:
    driver.execute("PRAGMA busy_timeout=0")
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.001)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration. An unreachable database is a ConfigError naming DATABASE_URL."""
    try:
        with engine.connect() as probe:
            probe.exec_driver_sql("SELECT 1")
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise ConfigError([f"DATABASE_URL: cannot connect to {engine.url.render_as_string()}: {reason}"]) from error
    command.upgrade(alembic_config(engine), revision)
    log.info("store.upgraded", extra={"database": engine.url.render_as_string(), "revision": revision})
