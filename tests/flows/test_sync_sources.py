"""Every helpdesk syncs on its own: one that fails is recorded, logged and shown, and the others go on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import responses
from click.testing import CliRunner
from sqlalchemy import select

from bridge.cli import main
from bridge.errors import RetriableError
from bridge.model import Change, Ticket, TicketRef
from bridge.runtime import Runtime
from bridge.store.cursors import sync_status
from bridge.store.schema import tickets
from bridge.web.app import create_app
from bridge.worker.jobs import sync_sources
from tests.conftest import MAPPINGS
from tests.connectors.fake_freshdesk import URL as FRESHDESK_URL
from tests.connectors.fake_freshdesk import FakeFreshdesk
from tests.connectors.test_zendesk import BASE as ZENDESK_URL
from tests.connectors.test_zendesk import EMAIL, EXPORT, TOKEN, page, ticket, with_fields
from tests.doubles import MemoryHelpdesk
from tests.web.support import add_role_users, sign_in
from tests.web.support import page as html_of

PRIVATE = "ivan.petrov@example.com"


@dataclass
class UnreachableHelpdesk(MemoryHelpdesk):
    """Sorts before `memdesk`; its vendor never answers."""

    name: ClassVar[str] = "alphadesk"

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        raise RetriableError("ConnectionError", endpoint="GET /api/v2/tickets")


@dataclass
class ChokingHelpdesk(MemoryHelpdesk):
    """Fails on a ticket's content with an error whose text quotes it."""

    name: ClassVar[str] = "chokedesk"

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        raise ValueError(f"cannot parse requester {PRIVATE}")


def with_desks(runtime: Runtime, *desks: MemoryHelpdesk) -> list[str]:
    runtime._connectors.update({desk.name: desk for desk in desks})
    return [desk.name for desk in desks]


def stored(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(tickets.c.source, tickets.c.external_id))
        return sorted((row.source, row.external_id) for row in rows)


def test_given_an_unreachable_first_helpdesk_when_syncing_then_the_next_ones_tickets_are_stored(runtime):
    healthy = MemoryHelpdesk([Ticket(TicketRef("memdesk", str(n)), f"ticket {n}") for n in range(3)])
    summaries = sync_sources(runtime, with_desks(runtime, UnreachableHelpdesk(), healthy))

    assert stored(runtime) == [("memdesk", "0"), ("memdesk", "1"), ("memdesk", "2")]
    assert [(s.source, s.error, s.new) for s in summaries] == [
        ("alphadesk", "RetriableError: ConnectionError (GET /api/v2/tickets)", 0), ("memdesk", None, 3)]
    with runtime.engine.connect() as conn:
        status = {row["connector"]: row for row in sync_status(conn)}
    assert status["alphadesk"]["last_error_at"] is not None and status["alphadesk"]["last_success_at"] is None
    assert status["memdesk"]["last_error"] is None and status["memdesk"]["last_success_at"] is not None


def test_the_operations_page_shows_which_helpdesk_failed_why_and_when(runtime):
    sync_sources(runtime, with_desks(runtime, UnreachableHelpdesk(), MemoryHelpdesk()))
    client = create_app(runtime=runtime).test_client()
    add_role_users(runtime.engine)
    sign_in(client, "admin")

    html = html_of(client.get("/admin/operations/"))

    failing_row = next(row for row in html.split("<tr") if "alphadesk" in row)
    assert 'class="attention"' in failing_row and "RetriableError: ConnectionError (GET /api/v2/tickets)" in failing_row
    with runtime.engine.connect() as conn:
        failed_at = next(r for r in sync_status(conn) if r["connector"] == "alphadesk")["last_error_at"]
    assert failed_at.strftime("%Y-%m-%d %H:%M") in failing_row


def test_a_failure_is_logged_and_recorded_with_its_class_but_never_the_ticket_data_it_quotes(runtime, caplog):
    caplog.set_level(logging.DEBUG, logger="bridge.worker.jobs")
    [summary] = sync_sources(runtime, with_desks(runtime, ChokingHelpdesk()))

    assert summary.error == "ValueError"
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "sync.failed chokedesk: ValueError"
    assert (failure.source, failure.error) == ("chokedesk", "ValueError")
    assert not any(PRIVATE in r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)
    with runtime.engine.connect() as conn:
        assert sync_status(conn)[0]["last_error"] == "ValueError"


@pytest.fixture
def vendors() -> Iterator[responses.RequestsMock]:
    """Freshdesk refuses the configured key; Zendesk answers one page with one ticket."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeFreshdesk().install(mock)
        with_fields(mock)
        mock.get(EXPORT, json=page([ticket(7)], "c1", end=True))
        yield mock


def test_sync_once_tries_every_helpdesk_then_exits_1_naming_the_failed_one(tmp_path, monkeypatch, vendors):
    monkeypatch.chdir(tmp_path)
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
                "FRESHDESK_URL": FRESHDESK_URL,
                "FRESHDESK_API_KEY": "revoked-key", "ZENDESK_URL": ZENDESK_URL, "ZENDESK_EMAIL": EMAIL,
                "ZENDESK_API_TOKEN": TOKEN}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)

    result = CliRunner().invoke(main, ["sync"])

    assert result.exit_code == 1
    assert "freshdesk: failed: FatalError: check the API credentials" in result.output
    assert "zendesk: 1 new" in result.output
    assert "1 of 2 helpdesk(s) failed: freshdesk" in result.output


def test_a_mistyped_source_is_refused_before_anything_is_synced_or_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(MAPPINGS))

    result = CliRunner().invoke(main, ["sync", "--source", "zendsk"])

    assert result.exit_code == 1 and "unknown connector 'zendsk'" in result.output
    assert not (tmp_path / "cli.db").exists()
