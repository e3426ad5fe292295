"""RTConnector against recorded REST2 shapes (RT 5.0.3, see tests/e2e/rt/README.md), served by `responses`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from bridge.config import load_settings
from bridge.errors import ConfigError, FatalError, InvalidSignature
from bridge.model import Patch, TicketRef, TicketWrite
from bridge.text.html import message_html
from connectors.rt import RTConnector, signature
from tests.connectors.harness_rt import rt as fake_rt

URL = "https://rt.example.com"
API = f"{URL}/REST/2.0"
TOKEN = "1-27-0939ffc6b83269e9d9816f798e584c94"
NOW = datetime(2026, 11, 24, 7, 10, tzinfo=UTC)
QUEUE_FIELDS = ["Category", "Subcategory"]


def item(ticket_id: int, updated: str, subject: str = "", category: str = "", subcategory: str = "",
         requestor: str = "anna@example.com", tags: list[str] | None = None) -> dict[str, Any]:
    """A search item as REST2 returns it with our fields= (ids as strings, custom fields in no stable order)."""
    fields = [{"id": "3", "type": "customfield", "name": "Subcategory", "values": [subcategory] if subcategory else []},
              {"id": "2", "type": "customfield", "name": "Category", "values": [category] if category else []}]
    if tags is not None:
        fields.append({"id": "4", "type": "customfield", "name": "Tags", "values": tags})
    return {
        "id": str(ticket_id), "type": "ticket", "_url": f"{API}/ticket/{ticket_id}",
        "Subject": subject or f"ticket {ticket_id}", "Status": "new", "Type": "ticket",
        "Created": "2026-11-24T06:00:00Z", "LastUpdated": updated, "CustomFields": fields,
        "Queue": {"id": "3", "type": "queue", "Name": "Wishes", "_url": f"{API}/queue/3"},
        "Requestor": [{"id": requestor, "type": "user", "EmailAddress": requestor, "RealName": "Anna",
                       "Name": requestor, "Lang": "ru", "_url": f"{API}/user/{requestor}"}],
    }


def page(items: list[dict[str, Any]], next_page: str | None = None) -> dict[str, Any]:
    body = {"count": len(items), "page": 1, "per_page": 100, "total": len(items), "pages": 1.0, "items": items}
    if next_page:
        body["next_page"] = next_page
    return body


@pytest.fixture
def rt() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def desk() -> RTConnector:
    connector = RTConnector(URL, TOKEN, "Wishes")
    connector.client.sleep = lambda _seconds: None
    connector.clock = lambda: NOW
    return connector


def texts(rt: responses.RequestsMock, bodies: dict[int, str]) -> None:
    """The two calls that read the first message of every ticket of a page."""
    rt.post(f"{API}/transactions", json={"items": [
        {"id": str(100 + tid), "type": "transaction", "ObjectId": str(tid)} for tid in bodies]})
    rt.post(f"{API}/attachments", json={"items": [
        {"id": str(500 + tid), "type": "attachment", "TransactionId": str(100 + tid), "ContentType": "text/plain",
         "Content": text}
        for tid, text in bodies.items()]})


def searches(rt: responses.RequestsMock) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(call.request.url).query) for call in rt.calls
            if urlsplit(call.request.url).path.endswith("/tickets")]


def test_settings_with_a_url_and_no_token_are_refused():
    with pytest.raises(ConfigError, match="RT_TOKEN"):
        RTConnector.from_settings(load_settings({"RT_URL": URL}, env_file=None))


def test_first_sync_searches_the_whole_queue_oldest_first(rt, desk):
    rt.get(f"{API}/tickets", json=page([]))
    assert list(desk.fetch_changes(None)) == []
    (query,) = searches(rt)
    assert query["query"] == ["Queue = 'Wishes'"]
    assert (query["orderby"], query["order"], query["per_page"]) == (["LastUpdated", "id"], ["ASC", "ASC"], ["100"])
    assert rt.calls[0].request.headers["Authorization"] == f"token {TOKEN}"
    assert "If-Modified-Since" not in rt.calls[0].request.headers


def test_tickets_carry_requestor_queue_category_subcategory_and_their_first_message(rt, desk):
    rt.get(f"{API}/tickets", json=page([item(7, "2026-11-24T07:03:20Z", "Хочу выгрузку", "Отчёты", "Выгрузки")]))
    texts(rt, {7: "Нужна выгрузка кодов в Excel"})

    (change,) = desk.fetch_changes(None)

    ticket = change.ticket
    assert ticket.ref == TicketRef("rt", "7")
    assert (ticket.subject, ticket.body, ticket.status) == ("Хочу выгрузку", "Нужна выгрузка кодов в Excel", "new")
    assert ticket.fields == {"Category": "Отчёты", "Subcategory": "Выгрузки", "Queue": "Wishes"}
    requester = ticket.requester
    assert requester is not None
    assert (requester.email, requester.name, requester.locale) == ("anna@example.com", "Anna", "ru")
    assert ticket.url == f"{URL}/Ticket/Display.html?id=7"
    assert ticket.updated_at is not None and ticket.updated_at.isoformat() == "2026-11-24T07:03:20+00:00"
    transactions_query = json.loads(rt.calls[1].request.body)
    assert {"field": "ObjectId", "operator": "IN", "value": [7]} in transactions_query


def test_the_cursor_is_json_with_the_last_second_and_the_ids_read_at_it(rt, desk):
    rt.get(f"{API}/tickets", json=page([item(1, "2026-11-24T07:03:20Z"), item(2, "2026-11-24T07:03:21Z"),
                                        item(3, "2026-11-24T07:03:21Z")]))
    texts(rt, {1: "a", 2: "b", 3: "c"})

    changes = list(desk.fetch_changes(None))

    assert [c.ticket.ref.external_id for c in changes] == ["1", "2", "3"]
    assert {c.cursor for c in changes} == {json.dumps({"t": "2026-11-24 07:03:21", "ids": [2, 3]})}
    assert desk.client.calls == 3  # one search, one for the Create transactions, one for their texts


def test_tickets_already_read_at_the_cursor_second_are_skipped_and_their_ids_kept(rt, desk):
    since = json.dumps({"t": "2026-11-24 07:03:21", "ids": [2, 3]})
    rt.get(f"{API}/tickets", json=page([item(2, "2026-11-24T07:03:21Z"), item(3, "2026-11-24T07:03:21Z"),
                                        item(4, "2026-11-24T07:03:21Z")]))
    texts(rt, {4: "d"})

    changes = list(desk.fetch_changes(since))

    assert [c.ticket.ref.external_id for c in changes] == ["4"]
    assert changes[0].cursor == json.dumps({"t": "2026-11-24 07:03:21", "ids": [2, 3, 4]})
    # 07:03:21 less the 75-minute overlap is 05:48:21, 4,899 seconds before 07:10:00
    assert searches(rt)[0]["query"] == ["Queue = 'Wishes' AND LastUpdated >= '-4899 seconds'"]


def test_tickets_changed_before_the_cursor_second_come_back_in_the_overlap_and_are_dropped(rt, desk):
    since = json.dumps({"t": "2026-11-24 07:03:21", "ids": [2]})
    rt.get(f"{API}/tickets", json=page([item(1, "2026-11-24T06:59:00Z"), item(2, "2026-11-24T07:03:21Z"),
                                        item(5, "2026-11-24T07:04:00Z")]))
    texts(rt, {5: "e"})

    changes = list(desk.fetch_changes(since))

    assert [c.ticket.ref.external_id for c in changes] == ["5"]
    assert json.loads(changes[0].cursor) == {"t": "2026-11-24 07:04:00", "ids": [5]}


def test_nothing_new_at_the_cursor_second_reads_nothing_more(rt, desk):
    since = json.dumps({"t": "2026-11-24 07:03:21", "ids": [2]})
    rt.get(f"{API}/tickets", json=page([item(2, "2026-11-24T07:03:21Z")]))
    assert list(desk.fetch_changes(since)) == []
    assert desk.client.calls == 1


def test_given_two_pages_when_read_then_the_next_search_starts_from_the_first_pages_cursor(rt, desk):
    first = [item(n, f"2026-11-24T07:00:{n:02d}Z") for n in (1, 2)]
    rt.get(f"{API}/tickets", json=page(first, next_page=f"{API}/tickets?query=x&=&page=2"))
    texts(rt, {1: "a", 2: "b"})
    rt.get(f"{API}/tickets", json=page([item(2, "2026-11-24T07:00:02Z"), item(3, "2026-11-24T07:00:03Z")]))
    texts(rt, {3: "c"})

    changes = list(desk.fetch_changes(None))

    assert [(c.ticket.ref.external_id, json.loads(c.cursor)) for c in changes] == [
        ("1", {"t": "2026-11-24 07:00:02", "ids": [2]}),
        ("2", {"t": "2026-11-24 07:00:02", "ids": [2]}),
        ("3", {"t": "2026-11-24 07:00:03", "ids": [3]}),
    ]
    # the second search's window starts 75 minutes before 07:00:02, that is 5,098 seconds before 07:10:00
    assert [q["query"][0] for q in searches(rt)] == [
        "Queue = 'Wishes'", "Queue = 'Wishes' AND LastUpdated >= '-5098 seconds'"]
    assert [q["page"] for q in searches(rt)] == [["1"], ["1"]]


def test_a_page_that_does_not_move_the_cursor_reads_the_next_page_of_the_same_window(rt, desk):
    same = "2026-11-24T07:00:05Z"
    since = json.dumps({"t": "2026-11-24 07:00:05", "ids": [1, 2]})
    rt.get(f"{API}/tickets", json=page([item(1, same), item(2, same)], next_page=f"{API}/tickets?query=same&=&page=2"))
    rt.get(f"{API}/tickets", json=page([item(3, same)]))
    texts(rt, {3: "c"})

    changes = list(desk.fetch_changes(since))

    assert [c.ticket.ref.external_id for c in changes] == ["3"]
    first, second = searches(rt)
    assert (second["query"], second["page"]) == (first["query"], ["2"])
    assert json.loads(changes[0].cursor) == {"t": "2026-11-24 07:00:05", "ids": [1, 2, 3]}


def test_given_an_rt_user_west_of_utc_when_a_ticket_changes_after_a_sync_then_the_next_sync_reads_it():
    with fake_rt() as harness:
        ref = harness.create_ticket("Export")
        connector = harness.connector()
        cursor = list(connector.fetch_changes(None))[-1].cursor
        harness.vendor.update(int(ref.external_id), "Export, every month")

        changes = list(connector.fetch_changes(cursor))

        assert [c.ticket.subject for c in changes] == ["Export, every month"]
        assert list(connector.fetch_changes(changes[-1].cursor)) == []


def test_an_html_only_first_message_is_read_as_its_text():
    with fake_rt() as harness:
        harness.vendor.add_ticket("Export", "<p>Нужна выгрузка&nbsp;в <b>Excel</b></p><p>каждый месяц</p>",
                                  "text/html")
        (change,) = harness.connector().fetch_changes(None)
    assert change.ticket.body == "Нужна выгрузка в Excel\nкаждый месяц"


def test_a_plain_part_wins_over_an_html_part_of_the_same_message(rt, desk):
    rt.get(f"{API}/tickets", json=page([item(7, "2026-11-24T07:03:20Z")]))
    rt.post(f"{API}/transactions", json={"items": [{"id": "107", "type": "transaction", "ObjectId": "7"}]})
    rt.post(f"{API}/attachments", json={"items": [
        {"id": "1", "TransactionId": "107", "ContentType": "text/html", "Content": "<p>rich</p>"},
        {"id": "2", "TransactionId": "107", "ContentType": "text/plain", "Content": "plain"}]})

    (change,) = desk.fetch_changes(None)

    assert change.ticket.body == "plain"
    query = json.loads(rt.calls[2].request.body)
    assert {"field": "ContentType", "operator": "IN", "value": ["text/plain", "text/html"]} in query


def test_get_ticket_searches_its_id_and_reads_its_first_message(rt, desk):
    rt.get(f"{API}/tickets", json=page([item(9, "2026-11-24T07:00:05Z", category="Billing")]))
    texts(rt, {9: "Счёт"})
    ticket = desk.get_ticket(TicketRef("rt", "9"))
    assert (ticket.body, ticket.fields["Category"]) == ("Счёт", "Billing")
    assert searches(rt)[0]["query"] == ["id = 9"]


# Writing


def ticket(ticket_id: int, etag: str = '"57"', status: str = "open", **values: list[str]) -> dict[str, Any]:
    body = {"id": ticket_id, "Status": status,
            "CustomFields": [{"name": name, "values": v, "id": str(n)} for n, (name, v) in enumerate(values.items())]}
    return {"json": body, "headers": {"ETag": etag}}


def history(rt: responses.RequestsMock, ticket_id: int, *contents: str) -> None:
    rt.get(f"{API}/ticket/{ticket_id}/attachments", json={"count": len(contents), "items": [
        {"id": str(n), "type": "attachment", "Content": text} for n, text in enumerate(contents)]})


def queue(rt: responses.RequestsMock, names: list[str] = QUEUE_FIELDS) -> None:
    rt.get(f"{API}/queue/Wishes", json={"id": 3, "Name": "Wishes", "TicketCustomFields": [
        {"type": "customfield", "id": str(n), "name": name} for n, name in enumerate(names)]})


def apply(desk: RTConnector, patch: Patch, *ticket_ids: int, check: bool = False) -> dict[TicketRef, Any]:
    writes = [TicketWrite(TicketRef("rt", str(i)), patch, f"stage:approved:g1:e0:t{i}", check=check)
              for i in ticket_ids]
    result = desk.apply(writes)
    return {w.ref: result[w.key] for w in writes}


def marker(ticket_id: int) -> str:
    return TicketWrite(TicketRef("rt", str(ticket_id)), Patch(), f"stage:approved:g1:e0:t{ticket_id}").marker


def test_a_public_message_is_correspondence_and_an_internal_one_a_comment_both_marked(rt, desk):
    for ticket_id in (5, 6):
        rt.get(f"{API}/ticket/{ticket_id}", **ticket(ticket_id))
    rt.post(f"{API}/ticket/5/correspond", json=["Correspondence added"], status=201)
    rt.post(f"{API}/ticket/6/comment", json=["Comments added"], status=201)

    assert apply(desk, Patch(comment="Одобрено"), 5) == {TicketRef("rt", "5"): None}
    assert apply(desk, Patch(comment="Заметка <тест>", public=False), 6) == {TicketRef("rt", "6"): None}
    posted = [json.loads(c.request.body) for c in rt.calls if c.request.method == "POST"]
    assert posted == [
        {"Content": f"<p>Одобрено</p>\n<!-- wishbridge {marker(5)} -->", "ContentType": "text/html"},
        {"Content": f"<p>Заметка &lt;тест&gt;</p>\n<!-- wishbridge {marker(6)} -->", "ContentType": "text/html"}]
    assert all(c.request.headers["Content-Type"] == "application/json" for c in rt.calls if c.request.method == "POST")


def test_a_reply_to_a_resolved_ticket_puts_it_back_to_resolved(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5, status="resolved"))
    rt.post(f"{API}/ticket/5/correspond", json=["Correspondence added"], status=201)
    rt.get(f"{API}/ticket/5", **ticket(5, status="open"))  # RT's scrip re-opened it
    rt.put(f"{API}/ticket/5", json=["Status changed from 'open' to 'resolved'"])

    assert apply(desk, Patch(comment="Выпущено"), 5) == {TicketRef("rt", "5"): None}
    assert json.loads(rt.calls[-1].request.body) == {"Status": "resolved"}


def test_a_stage_that_sets_a_status_itself_may_reopen_a_resolved_ticket(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5, status="resolved"))
    rt.post(f"{API}/ticket/5/correspond", json=["Correspondence added"], status=201)
    rt.get(f"{API}/ticket/5", **ticket(5, status="open"))

    assert apply(desk, Patch(comment="Вопрос", status="open"), 5) == {TicketRef("rt", "5"): None}
    assert not [c for c in rt.calls if c.request.method == "PUT"]


def test_a_write_that_may_have_landed_finds_its_marker_in_the_history_and_writes_nothing(rt, desk):
    queue(rt)
    history(rt, 5, "Первое сообщение", message_html("Одобрено", marker(5)))
    rt.get(f"{API}/ticket/5", **ticket(5, Subcategory=["Дашборды"]))
    patch = Patch(comment="Одобрено", fields={"Subcategory": "Дашборды"})

    assert apply(desk, patch, 5, check=True) == {TicketRef("rt", "5"): None}
    assert [c.request.method for c in rt.calls] == ["GET", "GET", "GET"]


def test_the_same_text_under_another_key_is_a_new_message(rt, desk):
    history(rt, 5, message_html("Одобрено", "wb_other"))
    rt.get(f"{API}/ticket/5", **ticket(5))
    rt.post(f"{API}/ticket/5/correspond", json=["Correspondence added"], status=201)

    assert apply(desk, Patch(comment="Одобрено"), 5, check=True) == {TicketRef("rt", "5"): None}
    assert len([c for c in rt.calls if c.request.method == "POST"]) == 1


def test_fields_are_written_with_if_match_and_a_412_reads_the_ticket_again(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5, etag='"57"', Subcategory=["Выгрузки"]))
    rt.put(f"{API}/ticket/5", json={"message": "Precondition Failed"}, status=412)
    rt.get(f"{API}/ticket/5", **ticket(5, etag='"61"', Subcategory=["Выгрузки"]))
    rt.put(f"{API}/ticket/5", json=["Subcategory Выгрузки changed to Дашборды"])

    outcome = apply(desk, Patch(fields={"Subcategory": "Дашборды"}), 5)

    assert outcome == {TicketRef("rt", "5"): None}
    puts = [c.request for c in rt.calls if c.request.method == "PUT"]
    assert [p.headers["If-Match"] for p in puts] == ['"57"', '"61"']
    assert json.loads(puts[-1].body) == {"CustomFields": {"Subcategory": "Дашборды"}}


def test_none_clears_a_field_with_null_and_status_goes_in_the_same_put(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5, Subcategory=["Invoices"]))
    rt.put(f"{API}/ticket/5", json=["Invoices is no longer a value for custom field Subcategory"])
    apply(desk, Patch(fields={"Subcategory": None}, status="resolved"), 5)
    assert json.loads(rt.calls[-1].request.body) == {"CustomFields": {"Subcategory": None}, "Status": "resolved"}


def test_an_invalid_value_answered_with_200_fails_that_ticket_only(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5, Category=["Billing"]))
    rt.put(f"{API}/ticket/5", json=["Invalid value for custom field"])
    rt.get(f"{API}/ticket/6", **ticket(6, Category=["Billing"]))
    rt.put(f"{API}/ticket/6", json=["Category Billing changed to Отчёты"])

    outcome = apply(desk, Patch(fields={"Category": "Отчёты"}), 5, 6)

    assert isinstance(outcome[TicketRef("rt", "5")], FatalError)
    assert "Invalid value" in str(outcome[TicketRef("rt", "5")])
    assert outcome[TicketRef("rt", "6")] is None


def test_a_field_the_queue_lacks_is_refused_without_writing(rt, desk):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5))
    outcome = apply(desk, Patch(fields={"Stage": "approved"}), 5)
    assert "no custom field Stage" in str(outcome[TicketRef("rt", "5")])
    assert all(c.request.method == "GET" for c in rt.calls)


def test_tags_go_to_a_tags_field_when_the_queue_has_one(rt, desk):
    queue(rt, [*QUEUE_FIELDS, "Tags"])
    rt.get(f"{API}/ticket/5", **ticket(5, Tags=["vip", "wish_in_analysis"]))
    rt.put(f"{API}/ticket/5", json=["wish_approved added as a value for Tags"])
    apply(desk, Patch(tags_add=("wish_approved",), tags_remove=("wish_in_analysis",)), 5)
    assert json.loads(rt.calls[-1].request.body) == {"CustomFields": {"Tags": ["vip", "wish_approved"]}}


def test_tags_are_ignored_with_a_log_line_when_the_queue_has_no_tags_field(rt, desk, caplog):
    queue(rt)
    rt.get(f"{API}/ticket/5", **ticket(5))
    caplog.set_level("INFO", logger="connectors.rt")
    outcome = apply(desk, Patch(tags_add=("wish_approved",)), 5)
    assert outcome == {TicketRef("rt", "5"): None}
    assert "rt.tags_ignored" in caplog.messages
    assert all(c.request.method == "GET" for c in rt.calls)


def test_a_message_is_sent_once_without_automatic_retry(rt, desk):
    rt.get(f"{API}/ticket/5", **ticket(5))
    rt.post(f"{API}/ticket/5/correspond", body="", status=502)
    outcome = apply(desk, Patch(comment="Одобрено"), 5)
    assert outcome[TicketRef("rt", "5")] is not None
    assert len([c for c in rt.calls if c.request.method == "POST"]) == 1


# Webhooks

BODY = json.dumps({"ticket": 12, "event": "Correspond", "token": "345"}).encode()


def test_a_scrip_delivery_signed_with_the_token_names_its_ticket(desk):
    (event,) = desk.parse_webhook({"X-Wishbridge-Signature": signature(TOKEN, BODY)}, BODY)
    assert (event.source, event.kind, event.delivery_id, event.ref) == (
        "rt", "ticket.Correspond", "12:345", TicketRef("rt", "12"))


@pytest.mark.parametrize("headers", [
    {}, {"X-Wishbridge-Signature": signature("another token", BODY)},
    {"X-Wishbridge-Signature": signature(TOKEN, BODY + b" ")},
])
def test_a_delivery_without_the_right_signature_is_refused(desk, headers):
    with pytest.raises(InvalidSignature):
        desk.parse_webhook(headers, BODY)


def test_a_signed_body_without_a_ticket_id_is_malformed(desk):
    body = b'{"event": "Create"}'
    with pytest.raises(ValueError, match="ticket"):
        desk.parse_webhook({"X-Wishbridge-Signature": signature(TOKEN, body)}, body)


def search_pages(harness) -> list[int]:
    return [int(parse_qs(urlsplit(call.request.url).query)["page"][0]) for call in harness.mock.calls
            if urlsplit(call.request.url).path.endswith("/tickets")]


def test_a_new_search_resumes_at_the_page_of_the_last_hit_read_instead_of_re_reading_the_overlap():
    with fake_rt() as harness:
        for number in range(10):
            harness.create_ticket(f"Bulk {number}")
        changes = list(harness.connector().fetch_changes(None))
        pages = search_pages(harness)
    assert [c.ticket.subject for c in changes] == [f"Bulk {number}" for number in range(10)]
    assert len(pages) <= 10 and max(pages) == 5  # two searches a page of two, never the whole overlap again


def test_when_rts_window_starts_later_than_expected_the_search_falls_back_to_its_first_page():
    with fake_rt() as harness:
        harness.vendor.relative_late = timedelta(hours=1)
        for number in range(4):
            harness.create_ticket(f"Early {number}")
        harness.vendor.clock += timedelta(minutes=30)
        for number in range(4):
            harness.create_ticket(f"Late {number}")
        changes = list(harness.connector().fetch_changes(None))
    assert [c.ticket.subject for c in changes] == [f"Early {n}" for n in range(4)] + [f"Late {n}" for n in range(4)]
