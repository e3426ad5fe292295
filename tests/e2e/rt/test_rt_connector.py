"""RTConnector against a real Request Tracker 5 (the `rt_server` fixture): sync into the store, write back."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from bridge.errors import FatalError
from bridge.mapping import load_mappings
from bridge.mapping.helpdesk import HelpdeskMapping
from bridge.model import Patch, TicketRef, TicketWrite
from bridge.store.schema import tickets
from bridge.sync.pull import sync_once
from connectors.rt import RTConnector
from tests.conftest import MAPPINGS

pytestmark = pytest.mark.e2e
TIMEOUT = 30


@pytest.fixture(scope="module")
def http(rt_server) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"token {rt_server.token}", "Accept": "application/json"})
    return session


@pytest.fixture
def connector(rt_server) -> RTConnector:
    return RTConnector(rt_server.url, rt_server.token, rt_server.queue)


@pytest.fixture(scope="module")
def mapping() -> HelpdeskMapping:
    found = load_mappings(MAPPINGS).helpdesk("rt")
    assert found is not None
    return found


def create(http: requests.Session, rt_server, subject: str, **fields: Any) -> str:
    body = {"Queue": rt_server.queue, "Subject": f"wbconn-{uuid.uuid4().hex[:8]} {subject}", **fields}
    resp = http.post(f"{rt_server.rest2}/ticket", json=body, timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def stored(engine: Engine, external_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(tickets).where(tickets.c.source == "rt", tickets.c.external_id == external_id)
                            ).one()


def cf(http: requests.Session, rt_server, ticket_id: str, name: str) -> list[str]:
    data = http.get(f"{rt_server.rest2}/ticket/{ticket_id}", timeout=TIMEOUT).json()
    return next(field["values"] for field in data["CustomFields"] if field["name"] == name)


def texts(http: requests.Session, rt_server, ticket_id: str) -> list[str]:
    page = http.get(f"{rt_server.rest2}/ticket/{ticket_id}/attachments",
                    params={"fields": "Content", "per_page": 100}, timeout=TIMEOUT).json()
    return [a["Content"] for a in page["items"]]


def kinds(http: requests.Session, rt_server, ticket_id: str) -> list[str]:
    """The types of the ticket's transactions, oldest first (Create, Correspond, EmailRecord, ...)."""
    page = http.get(f"{rt_server.rest2}/ticket/{ticket_id}/history", params={"fields": "Type", "per_page": 100},
                    timeout=TIMEOUT).json()
    return [t["Type"] for t in page["items"]]


def etag(http: requests.Session, rt_server, ticket_id: str) -> str:
    return str(http.get(f"{rt_server.rest2}/ticket/{ticket_id}", timeout=TIMEOUT).headers["ETag"])


@pytest.fixture(scope="module")
def seeded(http, rt_server) -> dict[str, str]:
    return {
        "export": create(http, rt_server, "Хочу выгрузку", Requestor="anna@example.com",
                         Content="Нужна выгрузка кодов маркировки в Excel", ContentType="text/plain",
                         CustomFields={"Category": "Отчёты", "Subcategory": "Выгрузки"}),
        "codes": create(http, rt_server, "Codes", Requestor="bob@example.com", Content="DataMatrix please",
                        ContentType="text/plain", CustomFields={"Category": "Маркировка",
                                                                "Subcategory": "Коды DataMatrix"}),
        "bare": create(http, rt_server, "No category", Content="Just a wish", ContentType="text/plain"),
    }


def test_a_sync_stores_rt_tickets_marked_by_category_and_subcategory_and_a_second_changes_nothing(
        engine, connector, mapping, seeded):
    first = sync_once(engine, connector, mapping)

    export, codes, bare = (stored(engine, seeded[k]) for k in ("export", "codes", "bare"))
    assert (export.category, export.subcategory, export.is_wish) == ("reports", "export", True)
    assert (export.requester_email, export.body, export.language) == (
        "anna@example.com", "Нужна выгрузка кодов маркировки в Excel", "ru")
    assert (codes.category, codes.subcategory) == ("marking", "code_ordering")
    assert (bare.category, bare.subcategory, bare.is_wish, bare.language) == (None, None, True, "en")
    assert first.new >= 3

    second = sync_once(engine, connector, mapping)
    assert (second.tickets, second.pages) == (0, 0)


def test_a_ticket_updated_after_a_sync_is_picked_up_by_the_next(engine, connector, mapping, http, rt_server):
    ticket_id = create(http, rt_server, "Later", CustomFields={"Category": "Billing"})
    sync_once(engine, connector, mapping)
    assert stored(engine, ticket_id).subcategory is None
    time.sleep(1.1)  # LastUpdated is to the second: a change within the cursor's second waits for the next one

    resp = http.put(f"{rt_server.rest2}/ticket/{ticket_id}", json={"CustomFields": {"Subcategory": "Invoices"}},
                    timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    again = sync_once(engine, connector, mapping)

    assert again.changed == 1
    assert (stored(engine, ticket_id).category, stored(engine, ticket_id).subcategory) == ("billing", "invoices")


def test_a_public_message_and_a_field_are_written_and_a_checked_retry_writes_nothing(connector, http, rt_server):
    ticket_id = create(http, rt_server, "Write back", Requestor="anna@example.com", Content="Первое сообщение",
                       ContentType="text/plain", CustomFields={"Category": "Отчёты", "Subcategory": "Выгрузки"})
    write = TicketWrite(TicketRef("rt", ticket_id), Patch(
        comment="Пожелание одобрено (WISH-1).", public=True, fields={"Subcategory": "Дашборды"},
        tags_add=("wish_approved",)), "stage:approved:g1:e0:t1")

    assert connector.apply([write]) == {write.key: None}
    assert cf(http, rt_server, ticket_id, "Subcategory") == ["Дашборды"]
    assert any("Пожелание одобрено (WISH-1)." in text and write.marker in text
               for text in texts(http, rt_server, ticket_id))
    assert kinds(http, rt_server, ticket_id).count("Correspond") == 1
    written = etag(http, rt_server, ticket_id)

    assert connector.apply([replace(write, check=True)]) == {write.key: None}
    assert etag(http, rt_server, ticket_id) == written  # not one transaction more
    assert kinds(http, rt_server, ticket_id).count("Correspond") == 1


def test_a_reply_to_a_resolved_ticket_leaves_it_resolved(connector, http, rt_server):
    ticket_id = create(http, rt_server, "Resolved", Requestor="anna@example.com", Content="Спасибо",
                       ContentType="text/plain")
    assert http.put(f"{rt_server.rest2}/ticket/{ticket_id}", json={"Status": "resolved"}, timeout=TIMEOUT).ok
    write = TicketWrite(TicketRef("rt", ticket_id), Patch(comment="Доработка выпущена."), "stage:released:g1:e0:t9")

    assert connector.apply([write]) == {write.key: None}
    assert kinds(http, rt_server, ticket_id).count("Correspond") == 1
    assert http.get(f"{rt_server.rest2}/ticket/{ticket_id}", timeout=TIMEOUT).json()["Status"] == "resolved"


def test_an_internal_note_is_a_comment_and_an_invalid_field_value_fails_the_ticket(connector, http, rt_server):
    ticket_id = create(http, rt_server, "Internal", CustomFields={"Category": "Billing"})
    ref = TicketRef("rt", ticket_id)

    note = TicketWrite(ref, Patch(comment="Для аналитика", public=False), "q:1")
    bad = TicketWrite(ref, Patch(fields={"Category": "Нет такой"}), "q:2")
    assert connector.apply([note]) == {"q:1": None}
    outcome = connector.apply([bad])["q:2"]

    assert kinds(http, rt_server, ticket_id)[-1] == "Comment"
    assert isinstance(outcome, FatalError) and "Invalid value" in str(outcome)
    assert cf(http, rt_server, ticket_id, "Category") == ["Billing"]


def test_get_ticket_reads_one_ticket_with_its_fields(connector, seeded):
    ticket = connector.get_ticket(TicketRef("rt", seeded["codes"]))
    assert (ticket.body, ticket.fields["Category"], ticket.fields["Queue"]) == (
        "DataMatrix please", "Маркировка", "Wishes")


def test_a_ticket_written_in_rts_html_editor_is_stored_with_its_text(engine, connector, mapping, http, rt_server):
    ticket_id = create(http, rt_server, "HTML", ContentType="text/html",
                       Content="<p>Нужна выгрузка&nbsp;в <b>Excel</b></p><p>каждый месяц</p>",
                       CustomFields={"Category": "Отчёты", "Subcategory": "Выгрузки"})

    sync_once(engine, connector, mapping)

    assert stored(engine, ticket_id).body == "Нужна выгрузка в Excel\nкаждый месяц"
