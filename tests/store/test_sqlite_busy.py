"""The store under concurrent writers: SQLite waits instead of failing, and no database error shows the data."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bridge.model import Ticket, TicketRef
from bridge.outbox.notify import TICKET_PATCH
from bridge.runtime import Runtime
from bridge.store import audit, open_engine, outbox
from bridge.store.engine import SERVER_WAL_PAGES, begin_promptly, leave_checkpoints_to_the_worker
from bridge.store.schema import tickets
from bridge.worker import jobs as services
from tests.doubles import MemoryHelpdesk

HAMMER_SECONDS = 3.0


def hammer(url: str, errors: list[Exception]) -> None:
    """Another process's writes (the web app's, an import): transactions one after another for a few seconds,
    each holding the write lock for a moment."""
    engine = open_engine(url)
    until = time.monotonic() + HAMMER_SECONDS
    try:
        while time.monotonic() < until:
            with engine.begin() as conn:
                audit.record(conn, "group", 1, "comment", "hammer")
                time.sleep(0.02)
            time.sleep(0.005)
    except Exception as error:  # the test reports it
        errors.append(error)
    finally:
        engine.dispose()


@pytest.fixture
def worker_runtime(settings, monkeypatch) -> Runtime:
    runtime = Runtime(settings)
    runtime.engine  # noqa: B018 - the store exists before the other writer starts
    runtime._connectors["memdesk"] = MemoryHelpdesk(page_size=5)
    monkeypatch.setattr("bridge.runtime.Runtime.configured", lambda runtime, role: ["memdesk"] if role == "helpdesk" else [])
    return runtime


def test_every_sqlite_connection_waits_for_the_write_lock_in_wal_mode(worker_runtime):
    with worker_runtime.engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")}
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 30_000, "synchronous": 1, "foreign_keys": 1}


def test_sync_and_outbox_jobs_never_fail_on_a_locked_database_while_another_writer_hammers_it(worker_runtime):
    desk = worker_runtime._connectors["memdesk"]
    assert isinstance(desk, MemoryHelpdesk)
    writer_errors: list[Exception] = []
    writer = threading.Thread(target=hammer, args=(worker_runtime.settings.database_url, writer_errors))
    writer.start()
    failures: list[str] = []
    rounds = 0
    try:
        while writer.is_alive():
            desk.tickets += [Ticket(TicketRef("memdesk", f"{rounds}-{n}"), f"ticket {rounds}-{n}",
                                    updated_at=datetime.now(UTC)) for n in range(10)]
            failures += [s.line() for s in services.sync_sources(worker_runtime) if s.error]
            with worker_runtime.engine.begin() as conn:
                for n in range(10):
                    outbox.enqueue(conn, f"stage:x:g{rounds}:e0:t{n}", "memdesk", TICKET_PATCH,
                                   {"external_id": f"{rounds}-{n}", "stage": "x", "patch": {"comment": "hello"}})
            drained = services.drain_outbox(worker_runtime)
            failures += [] if drained.done == 10 else [f"outbox round {rounds}: {drained}"]
            rounds += 1
    finally:
        writer.join()

    assert failures == [] and writer_errors == []
    assert rounds > 1, "the jobs never got in while the other writer ran"
    with worker_runtime.engine.connect() as conn:
        assert len(conn.execute(select(tickets.c.id)).all()) == 10 * rounds


def test_a_database_error_never_shows_the_values_of_the_statement(empty_engine):
    note = {"id": 1, "body": "Ivan Petrov, +7 916 000-00-00, wants an XLSX export"}
    with empty_engine.connect() as conn, pytest.raises(IntegrityError) as error:
        conn.execute(text("CREATE TEMPORARY TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(text("INSERT INTO notes VALUES (:id, :body)"), note)
        conn.execute(text("INSERT INTO notes VALUES (:id, :body)"), note)
    assert "INSERT INTO notes" in str(error.value)
    assert "Ivan" not in str(error.value) and "916" not in str(error.value)


def test_a_prompt_write_gets_in_between_another_writers_transactions_and_leaves_the_wait_as_it_was(worker_runtime):
    """The web's inbox write asks for the lock itself, every millisecond, with SQLite's busy handler off; the
    connection goes back to the pool waiting as every other one does."""
    writer_errors: list[Exception] = []
    writer = threading.Thread(target=hammer, args=(worker_runtime.settings.database_url, writer_errors))
    writer.start()
    time.sleep(0.2)
    writes = 0
    try:
        while writer.is_alive() and writes < 20:
            with begin_promptly(worker_runtime.engine) as conn:
                audit.record(conn, "group", 2, "comment", "prompt")
            writes += 1
    finally:
        writer.join()
    assert writes == 20 and writer_errors == []
    with worker_runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_the_web_servers_connections_leave_the_wal_to_the_worker_up_to_a_cap(worker_runtime):
    engine = worker_runtime.engine
    with engine.connect() as before:
        assert before.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    leave_checkpoints_to_the_worker(engine)
    with engine.connect() as conn, open_engine(worker_runtime.settings.database_url).connect() as worker:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SERVER_WAL_PAGES
        assert worker.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
