"""The chaos suite: SIGKILLed workers and misbehaving vendors, counted from what customers were told.

Bounded for CI: 2,000 tickets synced and 500 fanned out per store, at least 20 kills each, a few minutes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.chaos.harness import Chaos


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database the worker processes share: a file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chaos.db'}"
        return
    url = os.environ.get("WISHBRIDGE_TEST_PG_URL")
    if not url:
        pytest.skip("WISHBRIDGE_TEST_PG_URL is unset: PostgreSQL store tests skipped (CI sets it)")
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_killed_workers_and_vendor_faults_still_tell_every_customer_once_in_order(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tickets, fan_out = int(os.environ.get("CHAOS_TICKETS", 2000)), int(os.environ.get("CHAOS_FAN_OUT", 500))
    report = Chaos(database_url, tmp_path, tickets=tickets, fan_out=fan_out).run()

    with capsys.disabled():
        print("\nchaos " + database_url.split(":")[0] + ":\n  " + "\n  ".join(report.lines()))
    assert report.kills >= 20
    assert report.tickets == tickets
    assert report.registered_once == report.own_wish_named == tickets
    assert report.fan_out == fan_out
    assert report.in_order == report.released_once == report.final_tags_right == fan_out
    assert report.follow_ups == report.closed
    assert (report.epics, report.dead, report.unfinished) == (1, 0, 0)
    assert sum(report.faults.values()) > 0
    assert report.problems == []
