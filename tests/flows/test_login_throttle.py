"""Failed log-ins counted in the store: a free allowance, then a lock that doubles, forgotten after the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from bridge.store import login_throttle
from bridge.store.login_throttle import FIRST_DELAY, LONGEST_DELAY, WINDOW, delay, subject
from bridge.store.schema import login_failures

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
ACCOUNT = {"account": subject("account", "maria")}


def fail(engine: Engine, at: datetime, subjects: dict[str, str] = ACCOUNT) -> None:
    with engine.begin() as conn:
        login_throttle.record_failure(conn, subjects.values(), at)


def locked_for(engine: Engine, at: datetime, subjects: dict[str, str] = ACCOUNT) -> timedelta:
    with engine.connect() as conn:
        return login_throttle.locked_for(conn, subjects, at)


@pytest.mark.parametrize(("failures", "locked"), [
    (4, timedelta(0)), (5, FIRST_DELAY), (6, 2 * FIRST_DELAY), (7, 4 * FIRST_DELAY), (12, LONGEST_DELAY)])
def test_an_account_fails_five_times_for_free_then_each_failure_doubles_the_lock(failures: int,
                                                                                 locked: timedelta) -> None:
    assert delay("account", failures) == locked


def test_an_address_has_a_larger_allowance_than_an_account() -> None:
    assert delay("address", 19) == timedelta(0) and delay("address", 20) == FIRST_DELAY


def test_the_lock_counts_from_the_latest_failure_and_ends(engine: Engine) -> None:
    for n in range(5):
        fail(engine, START + timedelta(seconds=n))
    latest = START + timedelta(seconds=4)
    assert locked_for(engine, latest) == FIRST_DELAY
    assert locked_for(engine, latest + timedelta(seconds=10)) == FIRST_DELAY - timedelta(seconds=10)
    assert locked_for(engine, latest + FIRST_DELAY) == timedelta(0)
    fail(engine, latest + FIRST_DELAY)
    assert locked_for(engine, latest + FIRST_DELAY) == 2 * FIRST_DELAY, "the sixth failure locks twice as long"


def test_failures_older_than_the_window_neither_count_nor_stay_stored(engine: Engine) -> None:
    for n in range(5):
        fail(engine, START + timedelta(seconds=n))
    later = START + WINDOW + timedelta(seconds=5)
    assert locked_for(engine, later) == timedelta(0)
    fail(engine, later, {"address": subject("address", "10.0.0.1")})
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar_one() == 1


def test_the_longest_lock_of_the_subjects_asked_about_wins(engine: Engine) -> None:
    both = {**ACCOUNT, "address": subject("address", "10.0.0.1")}
    for n in range(20):
        fail(engine, START, {"address": both["address"], "account": subject("account", f"guess{n}")})
    assert locked_for(engine, START, ACCOUNT) == timedelta(0)
    assert locked_for(engine, START, both) == FIRST_DELAY


def test_subjects_are_stored_as_hashes_and_names_compare_case_blind() -> None:
    assert subject("account", " Maria ") == subject("account", "maria") != subject("address", "maria")
    assert "maria" not in subject("account", "maria") and len(subject("account", "maria")) == 64
