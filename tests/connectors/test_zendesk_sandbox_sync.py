"""The Zendesk connector against the sandbox over real loopback HTTP, and `sync_once` into the store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from bridge.errors import FatalError, RetriableError
from bridge.mapping import load_mappings
from bridge.mapping.helpdesk import HelpdeskMapping
from bridge.model import Change, Patch, TicketRef, TicketWrite
from bridge.store.cursors import load_cursor
from bridge.store.schema import tickets
from bridge.sync.pull import sync_once
from connectors.zendesk import ZendeskConnector
from sandboxes.zendesk import ZendeskSandbox, create_sandbox, load_seed, sandbox_of, serve_in_thread
from tests.conftest import MAPPINGS, ROOT

SEED = load_seed(ROOT / "tests" / "fixtures" / "zendesk" / "seed.json")
SEEDED = ["101", "102", "103", "104", "105", "106", "107"]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock(1_767_225_600.0)  # 2026-01-01T00:00:00Z


@pytest.fixture
def app(clock: Clock) -> Flask:
    return create_sandbox(SEED, export_budget_per_minute=100, clock=clock)


@pytest.fixture
def sandbox(app: Flask) -> ZendeskSandbox:
    return sandbox_of(app)


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    url, stop = serve_in_thread(app)
    yield url
    stop()


def make_connector(base_url: str, clock: Clock, **options: Any) -> ZendeskConnector:
    connector = ZendeskConnector(base_url, "bridge@example.com", "sandbox-token", export_rpm=1000, clock=clock,
                                 **options)
    connector.client.sleep = clock.sleep
    return connector


@pytest.fixture
def connector(base_url: str, clock: Clock) -> ZendeskConnector:
    return make_connector(base_url, clock, page_size=2)


@pytest.fixture
def mapping() -> HelpdeskMapping:
    found = load_mappings(MAPPINGS).helpdesk("zendesk")
    assert found is not None
    return found


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(tickets.c.external_id, tickets.c.category, tickets.c.subcategory,
                                   tickets.c.deleted, tickets.c.content_hash, tickets.c.last_seen_at)
                            .order_by(tickets.c.external_id))
        return [tuple(row) for row in rows]


def test_every_seeded_ticket_is_read_over_loopback_in_pages_until_end_of_stream(
        connector: ZendeskConnector) -> None:
    changes = list(connector.fetch_changes(None))

    assert [c.ticket.ref.external_id for c in changes] == SEEDED
    assert len({c.cursor for c in changes}) == 4
    assert [c.ticket.ref.external_id for c in changes if c.ticket.deleted] == ["107"]
    assert changes[0].ticket.fields["360000000001"] == "Маркировка::Агрегация"


def test_a_change_in_zendesk_is_read_from_the_last_cursor_and_nothing_else(
        connector: ZendeskConnector, sandbox: ZendeskSandbox, clock: Clock) -> None:
    last = list(connector.fetch_changes(None))[-1].cursor
    clock.now += 60
    sandbox.update_ticket(102, {"additional_tags": ["urgent"]})

    again = list(connector.fetch_changes(last))

    assert [(c.ticket.ref.external_id, "urgent" in c.ticket.tags) for c in again] == [("102", True)]


def test_past_the_export_budget_the_sandbox_answers_429_and_the_connector_waits_it_out(
        base_url: str, sandbox: ZendeskSandbox, clock: Clock) -> None:
    sandbox.export_budget = 2
    connector = make_connector(base_url, clock, page_size=2)
    started = clock.now

    assert [c.ticket.ref.external_id for c in connector.fetch_changes(None)] == SEEDED
    assert clock.now - started >= 60


def test_a_wrong_token_stops_with_zendesks_message_and_the_endpoint(base_url: str, clock: Clock) -> None:
    connector = ZendeskConnector(base_url, "bridge@example.com", "wrong-token")

    with pytest.raises(FatalError, match=r"Couldn't authenticate you.*GET /api/v2/incremental/tickets/cursor\.json"):
        list(connector.fetch_changes(None))


def writes(patch: Patch, *ids: str, check: bool = False) -> list[TicketWrite]:
    return [TicketWrite(TicketRef("zendesk", i), patch, f"stage:registered:g1:e0:t{i}", check=check) for i in ids]


def test_bulk_write_back_leaves_a_locked_ticket_to_retry_and_follows_up_a_closed_one_once(
        connector: ZendeskConnector, sandbox: ZendeskSandbox) -> None:
    sandbox.fail_ids.add(102)
    patch = Patch(comment="Ваше   пожелание зарегистрировано", tags_add=("wish_registered",))
    connector.job_poll_seconds = 0.01

    outcome = connector.apply(writes(patch, "101", "102", "106"))
    sandbox.fail_ids.clear()
    retried = connector.apply(writes(patch, "102", "106", check=True))

    assert outcome["stage:registered:g1:e0:t101"] is None and outcome["stage:registered:g1:e0:t106"] is None
    assert isinstance(outcome["stage:registered:g1:e0:t102"], RetriableError)
    assert retried == dict.fromkeys(["stage:registered:g1:e0:t102", "stage:registered:g1:e0:t106"])
    text = "Ваше пожелание зарегистрировано"  # Zendesk collapses the spaces
    assert [[c["body"] for c in sandbox.comments[i]].count(text) for i in (101, 102, 106)] == [1, 1, 0]
    [follow_up] = sandbox.tickets[106]["followup_ids"]
    assert [c["body"] for c in sandbox.comments[follow_up]] == [text]
    assert sandbox.tickets[follow_up]["requester_id"] == sandbox.tickets[106]["requester_id"]
    assert "wishbridge_followup" in sandbox.tickets[follow_up]["tags"]


def test_later_messages_for_a_closed_ticket_go_to_its_open_follow_up(
        connector: ZendeskConnector, sandbox: ZendeskSandbox) -> None:
    testing, released = (TicketWrite(TicketRef("zendesk", "106"), Patch(comment=text, tags_add=(tag,)), key)
                         for text, tag, key in (("На тестировании", "wish_testing", "stage:testing:g1:e0:t106"),
                                                ("Выпущено", "wish_released", "stage:released:g1:e0:t106")))

    assert connector.apply([testing]) == {testing.key: None}
    assert connector.apply([released]) == {released.key: None}

    [follow_up] = sandbox.tickets[106]["followup_ids"]
    assert [c["body"] for c in sandbox.comments[follow_up]] == ["На тестировании", "Выпущено"]


def test_a_checked_retry_waits_for_the_job_that_still_holds_the_first_try(
        connector: ZendeskConnector, sandbox: ZendeskSandbox) -> None:
    patch = Patch(comment="Доработка выпущена", tags_add=("wish_released",))
    sandbox.job_seconds = 0.3
    connector.job_polls = 0  # the first try gives up on its job at once, as a crash would

    first = connector.apply(writes(patch, "101", "102"))
    connector.job_polls, connector.job_poll_seconds, connector.client.sleep = 60, 0.05, time.sleep
    again = connector.apply(writes(patch, "101", "102", check=True))

    assert all(isinstance(error, RetriableError) for error in first.values())
    assert set(again.values()) == {None}
    assert [[c["body"] for c in sandbox.comments[i]].count(patch.comment) for i in (101, 102)] == [1, 1]


def test_re_applying_a_key_after_a_restart_writes_no_second_comment(base_url: str, clock: Clock,
                                                                    sandbox: ZendeskSandbox) -> None:
    patch = Patch(comment="Доработка выпущена", public=False, tags_add=("wish_released",))

    for check in (False, True):
        assert set(make_connector(base_url, clock).apply(writes(patch, "101", check=check)).values()) == {None}

    assert [c["body"] for c in sandbox.comments[101]].count("Доработка выпущена") == 1


def test_sync_stores_each_page_with_its_cursor(engine: Engine, connector: ZendeskConnector,
                                               mapping: HelpdeskMapping) -> None:
    changes = list(connector.fetch_changes(None))

    summary = sync_once(engine, connector, mapping, api_calls=lambda: connector.client.calls)

    with engine.connect() as conn:
        assert load_cursor(conn, "zendesk") == changes[-1].cursor
    assert (summary.pages, summary.new, summary.deleted) == (4, 6, 1)  # 107 was deleted before any sync
    assert {row[0]: row[1:3] for row in stored(engine)}["105"] == ("marking", "code_ordering")


def crashing_after(connector: ZendeskConnector, count: int) -> Any:
    """The connector, except that the process dies after `count` changes (in the middle of a page)."""

    def fetch_changes(since: str | None) -> Iterator[Change]:
        for number, change in enumerate(connector.fetch_changes(since)):
            if number == count:
                raise KeyboardInterrupt("simulated crash")
            yield change

    return SimpleNamespace(name=connector.name, fetch_changes=fetch_changes)


def test_a_crash_in_the_middle_of_a_page_re_reads_that_page_and_skips_no_ticket(
        engine: Engine, connector: ZendeskConnector, mapping: HelpdeskMapping) -> None:
    with pytest.raises(KeyboardInterrupt):
        sync_once(engine, crashing_after(connector, 3), mapping)
    after_crash = [row[0] for row in stored(engine)]
    with engine.connect() as conn:
        resumed_from = load_cursor(conn, "zendesk")

    summary = sync_once(engine, connector, mapping)

    assert after_crash == ["101", "102"]
    assert resumed_from == list(connector.fetch_changes(None))[1].cursor
    assert [row[0] for row in stored(engine)] == SEEDED
    assert (summary.new, summary.pages) == (4, 3)


def test_running_the_sync_again_changes_nothing(engine: Engine, connector: ZendeskConnector,
                                                mapping: HelpdeskMapping) -> None:
    sync_once(engine, connector, mapping)
    before = stored(engine)

    again = sync_once(engine, connector, mapping)

    assert (again.new, again.changed, again.deleted) == (0, 0, 0)
    assert stored(engine) == before


def test_a_ticket_deleted_in_zendesk_is_marked_deleted_by_the_next_sync(
        engine: Engine, connector: ZendeskConnector, sandbox: ZendeskSandbox, mapping: HelpdeskMapping,
        clock: Clock) -> None:
    sync_once(engine, connector, mapping)
    clock.now += 60
    sandbox.delete_ticket(103)

    summary = sync_once(engine, connector, mapping)

    assert summary.deleted == 1
    assert [row[0] for row in stored(engine) if row[3]] == ["103", "107"]
