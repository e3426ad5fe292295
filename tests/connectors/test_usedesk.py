"""The Usedesk connector against the sandbox Usedesk over loopback HTTP: paging and cursors, the rate limit,
messages with their markers, tags, fields, statuses, closed tickets and Russian text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from flask import Flask

from bridge.config import load_settings
from bridge.errors import ConfigError, FatalError, RetriableError
from bridge.mapping import load_mappings
from bridge.model import Patch, TicketRef, TicketWrite
from connectors.usedesk import UsedeskConnector
from sandboxes.faults import Faults
from sandboxes.usedesk import CLOSED, NEW, UsedeskSandbox, create_sandbox, sandbox_of, serve_in_thread
from tests.conftest import MAPPINGS

TOKEN = "usedesk-test-token"
AGENT = 7


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Flask:
    return create_sandbox(api_token=TOKEN, agents={AGENT: "Wishbridge"}, page_size=2, clock=clock)


@pytest.fixture
def sandbox(app: Flask) -> UsedeskSandbox:
    return sandbox_of(app)


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    url, stop = serve_in_thread(app)
    yield url
    stop()


def make_connector(base_url: str, clock: Clock, **options: object) -> UsedeskConnector:
    connector = UsedeskConnector(base_url, TOKEN, user_id=AGENT, webhook_secret=TOKEN, agent_url=base_url,
                                 **{"page_size": 2, **options})  # type: ignore[arg-type]
    connector.api.client.sleep = clock.sleep
    connector.api.limiter.sleep, connector.api.limiter.clock = clock.sleep, clock
    return connector


@pytest.fixture
def connector(base_url: str, clock: Clock) -> UsedeskConnector:
    return make_connector(base_url, clock)


def ref(ticket_id: int) -> TicketRef:
    return TicketRef("usedesk", str(ticket_id))


def ids(changes: object) -> list[int]:
    return [int(change.ticket.ref.external_id) for change in changes]  # type: ignore[attr-defined]


def add_tickets(sandbox: UsedeskSandbox, clock: Clock, count: int, *, minutes_apart: float = 1) -> list[int]:
    made = []
    for n in range(count):
        clock.sleep(60 * minutes_apart)
        made.append(sandbox.add_ticket(f"wish {n}", f"wish {n}, please", notify=False))
    return made


# Reading


def test_changes_come_oldest_first_and_the_tickets_of_one_list_page_share_a_cursor(
        connector: UsedeskConnector, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 5)

    changes = list(connector.fetch_changes(None))

    assert ids(changes) == made
    assert [c.cursor for c in changes][:2] == [changes[1].cursor] * 2
    assert changes[-1].cursor.endswith(f"|{made[-1]}")


def test_tickets_changed_within_one_minute_are_paged_through_offset_and_none_is_read_twice(
        connector: UsedeskConnector, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 5, minutes_apart=0)

    changes = list(connector.fetch_changes(None))

    assert ids(changes) == made
    assert list(connector.fetch_changes(changes[-1].cursor)) == []


def test_a_ticket_changed_while_the_list_is_read_is_read_at_its_new_place_and_none_is_skipped(
        connector: UsedeskConnector, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 5)
    stream = connector.fetch_changes(None)
    first = [next(stream), next(stream)]
    clock.sleep(60)
    sandbox.update_ticket({"ticket_id": made[2], "tag": "urgent"})

    rest = list(stream)

    assert ids(first + rest) == [made[0], made[1], made[3], made[4], made[2]]
    assert rest[-1].ticket.tags == ("urgent",)


def test_only_tickets_changed_after_the_cursor_are_read_again(
        connector: UsedeskConnector, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 3)
    last = list(connector.fetch_changes(None))[-1].cursor
    clock.sleep(1)
    sandbox.update_ticket({"ticket_id": made[0], "tag": "urgent", "silent": True})

    assert ids(connector.fetch_changes(last)) == [made[0]]


def test_a_russian_ticket_reads_its_clients_language_its_first_message_as_text_and_list_options_by_name(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Выгрузка в Excel", "<p>Добавьте&nbsp;выгрузку <b>в Excel</b></p>",
                                   client_name="Анна Петрова", client_lang="ru", tags=("пожелание",),
                                   fields={"101": "1001", "102": "1011", "103": "1032"}, notify=False)

    ticket = connector.get_ticket(ref(ticket_id))

    assert (ticket.subject, ticket.body) == ("Выгрузка в Excel", "Добавьте выгрузку в Excel")
    assert (ticket.requester.name, ticket.requester.locale) == ("Анна Петрова", "ru")  # type: ignore[union-attr]
    assert ticket.fields == {"101": "Маркировка", "102": "Агрегация", "103": "Пожелание"}
    assert (ticket.status, ticket.tags, ticket.url) == ("new", ("пожелание",), f"{connector.agent_url}/tickets/1")


def test_the_example_mapping_marks_a_usedesk_wish_by_its_nested_topic_and_the_clients_language(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    mapping = load_mappings(MAPPINGS).helpdesk("usedesk")
    assert mapping is not None
    ticket_id = sandbox.add_ticket("Agregation", "Please add aggregation", client_lang="ru",
                                   fields={"101": "1001", "102": "1011", "103": "1032"}, notify=False)

    marking = mapping.apply(connector.get_ticket(ref(ticket_id)))

    assert (marking.is_wish, marking.category, marking.subcategory, marking.language) == (
        True, "marking", "aggregation", "ru")


def test_an_unknown_ticket_answered_with_http_200_and_an_error_is_fatal(connector: UsedeskConnector) -> None:
    with pytest.raises(FatalError, match=r"Ticket not found.*POST /ticket"):
        connector.get_ticket(ref(999))


def test_a_wrong_token_stops_with_usedesks_message_and_the_method(base_url: str, clock: Clock) -> None:
    connector = UsedeskConnector(base_url, "wrong-token", user_id=AGENT)

    with pytest.raises(FatalError, match=r"Invalid api_token.*401 from POST /tickets") as caught:
        list(connector.fetch_changes(None))
    assert "wrong-token" not in str(caught.value)


# Rate limit


def test_past_the_published_limit_usedesk_answers_429_and_the_connector_waits_out_retry_after(
        base_url: str, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 4)
    sandbox.rpm = 3
    connector = make_connector(base_url, clock, rpm=1000)
    started = clock.now

    assert ids(connector.fetch_changes(None)) == made
    assert sandbox.rate_limited > 0
    assert clock.now - started >= 60


def test_the_connector_keeps_under_its_rpm_by_itself_and_is_never_refused(
        base_url: str, sandbox: UsedeskSandbox, clock: Clock) -> None:
    made = add_tickets(sandbox, clock, 4)
    sandbox.rpm = 3
    connector = make_connector(base_url, clock, rpm=3)

    assert ids(connector.fetch_changes(None)) == made
    assert sandbox.rate_limited == 0


# Writing


def test_a_message_goes_out_once_as_html_from_the_agent_with_its_marker_even_when_the_retry_is_unchecked(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    write = TicketWrite(ref(ticket_id), Patch(comment="Спасибо!\nПожелание <W-1> зарегистрировано."),
                        "stage:registered:g1:e0:t1")

    assert connector.apply([write]) == connector.apply([write]) == {write.key: None}

    sent = sandbox.comments[ticket_id][1:]
    assert [(c["from"], c["type"], c["user_id"]) for c in sent] == [("user", "public", AGENT)]
    assert sent[0]["message"] == ("<p>Спасибо!<br>Пожелание &lt;W-1&gt; зарегистрировано.</p>\n"
                                  f"<!-- wishbridge {write.marker} -->")


def test_a_private_note_is_sent_as_a_private_comment(connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    write = TicketWrite(ref(ticket_id), Patch(comment="Для аналитика", public=False), "question:g1:t1")

    connector.apply([write])

    assert sandbox.comments[ticket_id][-1]["type"] == "private"


def test_the_same_text_under_another_key_is_sent_again(connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    patch = Patch(comment="Запланировано.")

    connector.apply([TicketWrite(ref(ticket_id), patch, "stage:planned:g1:e0:t1")])
    connector.apply([TicketWrite(ref(ticket_id), patch, "stage:planned:g1:e1:t1", check=True)])

    assert [c["message"].startswith("<p>Запланировано.</p>") for c in sandbox.comments[ticket_id]] == [
        False, True, True]


def test_tags_are_written_as_the_whole_list_keeping_the_tickets_other_tags(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", tags=("vip", "wish_planned"), notify=False)
    patch = Patch(tags_add=("wish_in_development",), tags_remove=("wish_planned",))

    connector.apply([TicketWrite(ref(ticket_id), patch, "stage:in_development:g1:e0:t1")])

    assert sandbox.tickets[ticket_id]["tags"] == ["vip", "wish_in_development"]


def test_a_new_ticket_the_bridge_only_tags_stays_new(connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)

    connector.apply([TicketWrite(ref(ticket_id), Patch(tags_add=("wish_registered",)), "stage:registered:g1:e0:t1")])

    assert sandbox.tickets[ticket_id]["status_id"] == NEW


def test_a_stage_status_is_written_by_name_and_an_unchanged_ticket_is_not_written(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    write = TicketWrite(ref(ticket_id), Patch(status="solved"), "stage:released:g1:e0:t1")

    connector.apply([write])
    history = len(sandbox.history[ticket_id])
    connector.apply([write])

    assert sandbox.tickets[ticket_id]["status_id"] == 2
    assert len(sandbox.history[ticket_id]) == history == 1


def test_list_fields_are_written_by_option_text_and_read_back_by_it(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)

    connector.apply([TicketWrite(ref(ticket_id), Patch(fields={"103": "Пожелание", "104": "W-12"}), "stage:x:t1")])

    assert sandbox.tickets[ticket_id]["fields"] == {"103": "1032", "104": "W-12"}
    assert connector.get_ticket(ref(ticket_id)).fields == {"103": "Пожелание", "104": "W-12"}


def test_a_nested_list_field_or_an_unknown_option_is_refused_for_that_write_only(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    first = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    second = sandbox.add_ticket("Отчёт", "Нужен отчёт", notify=False)
    writes = [TicketWrite(ref(first), Patch(fields={"101": "Отчёты"}), "a"),
              TicketWrite(ref(second), Patch(fields={"103": "Жалоба"}), "b"),
              TicketWrite(ref(second), Patch(comment="Принято"), "c")]

    outcome = connector.apply(writes)

    assert isinstance(outcome["a"], FatalError) and "nested list" in str(outcome["a"])
    assert isinstance(outcome["b"], FatalError) and "no option 'Жалоба'" in str(outcome["b"])
    assert outcome["c"] is None
    assert sandbox.tickets[first]["fields"] == {}


def test_a_closed_ticket_gets_the_stage_message_and_stays_closed(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    sandbox.set_status(ticket_id, CLOSED)
    write = TicketWrite(ref(ticket_id), Patch(comment="Выпущено в 5.2", tags_add=("wish_released",)), "stage:rel")

    assert connector.apply([write]) == {"stage:rel": None}

    assert sandbox.tickets[ticket_id]["status_id"] == CLOSED
    assert sandbox.comments[ticket_id][-1]["message"].startswith("<p>Выпущено в 5.2</p>")


def test_a_stage_that_leaves_closed_tickets_sends_them_no_message_but_still_tags_them(
        connector: UsedeskConnector, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    sandbox.set_status(ticket_id, CLOSED)
    patch = Patch(comment="Выпущено", tags_add=("wish_released",), follow_up_closed=False)

    assert connector.apply([TicketWrite(ref(ticket_id), patch, "stage:rel")]) == {"stage:rel": None}

    assert len(sandbox.comments[ticket_id]) == 1
    assert sandbox.tickets[ticket_id]["tags"] == ["wish_released"]


def test_a_message_whose_answer_is_lost_is_not_resent_blindly_and_its_checked_retry_finds_it(
        app: Flask, sandbox: UsedeskSandbox, clock: Clock) -> None:
    app.wsgi_app = Faults(app.wsgi_app, rate=1.0, kinds=("timeout",), paths=("/create/comment",))  # type: ignore[method-assign]
    url, stop = serve_in_thread(app)
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    write = TicketWrite(ref(ticket_id), Patch(comment="Принято"), "stage:registered:g1:e0:t1")
    try:
        connector = make_connector(url, clock)
        first = connector.apply([write])
        retried = connector.apply([replace(write, check=True)])
    finally:
        stop()

    assert isinstance(first[write.key], RetriableError) and retried == {write.key: None}
    assert len(sandbox.comments[ticket_id]) == 2


# Settings


def test_settings_need_a_token_and_an_agent_once_the_url_is_set() -> None:
    with pytest.raises(ConfigError, match=r"USEDESK_API_TOKEN.*\n.*USEDESK_USER_ID"):
        UsedeskConnector.from_settings(load_settings({"USEDESK_URL": "https://api.usedesk.ru"}, env_file=None))

    connector = UsedeskConnector.from_settings(load_settings(
        {"USEDESK_URL": "https://api.usedesk.ru", "USEDESK_API_TOKEN": "t", "USEDESK_USER_ID": "545"}, env_file=None))
    assert (connector.user_id, connector.api.limiter.per_minute, connector.agent_url) == (
        545, 150, "https://secure.usedesk.ru")


# The sandbox itself


def test_the_sandbox_takes_post_only_and_shows_a_ticket_to_people_in_russian(
        base_url: str, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Выгрузка", "<p>Добавьте выгрузку</p>", notify=False)

    refused = requests.get(f"{base_url}/tickets", params={"api_token": TOKEN}, timeout=5)
    page = requests.get(f"{base_url}/tickets/{ticket_id}", timeout=5)

    assert refused.status_code == 405 and "POST" in refused.json()["error"]
    assert page.headers["Content-Type"].startswith("text/html") and "utf-8" in page.headers["Content-Type"]
    assert "Добавьте выгрузку" in page.text and "<p>" not in page.text.split("<h1>")[1]


def test_the_sandbox_keeps_comments_exactly_as_sent_and_never_merges_repeats(
        base_url: str, sandbox: UsedeskSandbox) -> None:
    ticket_id = sandbox.add_ticket("Экспорт", "Нужен экспорт", notify=False)
    body = {"api_token": TOKEN, "ticket_id": ticket_id, "message": "  Два   пробела\n", "type": "public",
            "from": "user", "user_id": AGENT}

    answers = [requests.post(f"{base_url}/create/comment", json=body, timeout=5).json() for _ in range(2)]

    assert [a["status"] for a in answers] == ["success", "success"]
    assert [c["message"] for c in sandbox.comments[ticket_id][1:]] == ["  Два   пробела\n"] * 2
