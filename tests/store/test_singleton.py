import logging
import os
import threading
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, create_engine, text

from bridge.runtime import Runtime
from bridge.worker.lock import AlreadyRunning, Lease, LockLost, advisory_key, lock_file, single_instance
from bridge.worker.scheduler import fenced, run_worker


def test_a_second_worker_is_refused_while_the_first_holds_the_lock(engine):
    with single_instance(engine), pytest.raises(AlreadyRunning, match="another wishbridge worker"), \
            single_instance(engine):
        pass
    with single_instance(engine):
        pass  # released when the first worker stops


def break_lock(engine: Engine) -> None:
    """What can happen to a running worker's lock: PostgreSQL drops its connection; on SQLite someone deletes the
    lock file."""
    if engine.dialect.name != "postgresql":
        os.remove(lock_file(engine))
        return
    with engine.connect() as conn:
        key = advisory_key(str(conn.execute(text("SELECT current_schema()")).scalar()), "worker")
    admin = create_engine(engine.url)
    with admin.connect() as conn:
        [pid] = conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = :high"
                                  " AND objid::bigint = :low"),
                             {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF}).scalars()
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def take_over(engine: Engine, held: ExitStack, seconds: float = 10) -> Lease:
    """The lock for a second worker, once the server has noticed the first one's connection is gone."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return held.enter_context(single_instance(engine))
        except AlreadyRunning:
            assert time.monotonic() < deadline, "the lost lock was never released"
            time.sleep(0.05)


def test_once_the_lock_is_lost_no_job_runs_again_and_a_second_worker_takes_over(engine, caplog):
    ran: list[str] = []
    stops: list[str] = []
    with ExitStack() as held, single_instance(engine) as first:
        first_job = fenced("sync", lambda: ran.append("first"), first, lambda: stops.append("first"))
        first_job()
        break_lock(engine)

        first_job()
        assert ran == ["first"] and stops == ["first"]
        assert "worker.lock_lost" in caplog.text and "job sync refused" in caplog.text

        second = take_over(engine, held)
        second_job = fenced("sync", lambda: ran.append("second"), second, lambda: stops.append("second"))
        second_job()
        first_job()
        second_job()
        second.check()
        with pytest.raises(LockLost, match="no longer held"):
            first.check()
    assert ran == ["first", "second", "second"] and stops == ["first", "first"]


def test_the_worker_stops_with_lock_lost_when_its_lock_goes(runtime: Runtime, caplog):
    caplog.set_level(logging.INFO, logger="bridge.worker.scheduler")
    runtime.settings = runtime.settings.replace(WORKER_TICK_SECONDS="1")
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            run_worker(runtime)
        except BaseException as error:  # the thread hands the worker's exit to the test
            outcome.append(error)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while "worker.started" not in caplog.text:
        assert time.monotonic() < deadline and thread.is_alive(), "the worker did not start"
        time.sleep(0.05)
    break_lock(runtime.engine)
    thread.join(timeout=15)

    assert not thread.is_alive()
    assert [type(error) for error in outcome] == [LockLost]
    assert "worker.lock_lost" in caplog.text
