"""The Zendesk connector against mocked HTTP (responses), with bodies shaped like Zendesk's own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from bridge.errors import FatalError, InvalidSignature, RetriableError
from bridge.mapping import load_mappings
from bridge.model import Patch, TicketRef, TicketWrite
from connectors.zendesk import FieldCatalog, ZendeskConnector
from tests.conftest import MAPPINGS, ROOT, shared_path

BASE = "https://acme.zendesk.com"
TOKEN = "s3cr3t-api-token-9f8e7d"
EMAIL = "agent@acme.example"
SECRET = "whsec-test-signing-secret"
NOW = 1_736_331_127.0  # 2025-01-08T10:12:07Z
EXPORT = f"{BASE}/api/v2/incremental/tickets/cursor.json"
FIELDS = f"{BASE}/api/v2/ticket_fields.json"
SEED = json.loads((ROOT / "tests" / "fixtures" / "zendesk" / "seed.json").read_text(encoding="utf-8"))


def ticket(ticket_id: int, **changes: Any) -> dict[str, Any]:
    """A ticket as the export returns it (the shape of Zendesk's TicketObject example)."""
    return {
        "id": ticket_id, "url": f"{BASE}/api/v2/tickets/{ticket_id}.json", "external_id": None,
        "created_at": "2025-01-08T10:12:07Z", "updated_at": "2025-01-08T10:12:07Z",
        "generated_timestamp": 1736331127, "type": "task", "subject": f"Ticket {ticket_id}",
        "raw_subject": f"Ticket {ticket_id}", "description": "Please add this.", "priority": "normal",
        "status": "open", "recipient": "support@acme.example", "requester_id": 9001, "submitter_id": 9001,
        "assignee_id": None, "organization_id": 501, "group_id": 98738, "collaborator_ids": [],
        "follower_ids": [], "has_incidents": False, "is_public": True, "due_at": None, "tags": [],
        "custom_fields": [], "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
        **changes,
    }


def page(tickets: list[dict[str, Any]], after: str, *, end: bool) -> dict[str, Any]:
    return {
        "tickets": tickets, "after_cursor": after, "after_url": f"{EXPORT}?cursor={after}",
        "before_cursor": None, "before_url": None, "end_of_stream": end,
        "users": SEED["users"], "organizations": SEED["organizations"],
    }


def export_query(**position: str) -> Any:
    return matchers.query_param_matcher({**position, "per_page": "1000", "include": "users,organizations"})


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connector(sleeps: list[float]) -> ZendeskConnector:
    made = ZendeskConnector(BASE, EMAIL, TOKEN, webhook_secret=SECRET, clock=lambda: NOW)
    made.client.sleep = sleeps.append
    made.limiter.sleep = sleeps.append
    made.limiter.clock = lambda: NOW
    return made


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def with_fields(api: responses.RequestsMock) -> None:
    api.get(FIELDS, json={"ticket_fields": SEED["ticket_fields"], "next_page": None, "previous_page": None,
                          "count": len(SEED["ticket_fields"])})


# Reading


def test_given_two_pages_when_fetching_from_the_start_then_every_ticket_carries_its_pages_cursor(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, match=[export_query(start_time="0")],
            json=page([ticket(1), ticket(2)], "MTczNjMzMTEyNy4wfHwyfA==", end=False))
    api.get(EXPORT, match=[export_query(cursor="MTczNjMzMTEyNy4wfHwyfA==")],
            json=page([ticket(3)], "MTczNjMzMTEyOC4wfHwzfA==", end=True))

    changes = list(connector.fetch_changes(None))

    assert [(c.ticket.ref.external_id, c.cursor) for c in changes] == [
        ("1", "MTczNjMzMTEyNy4wfHwyfA=="), ("2", "MTczNjMzMTEyNy4wfHwyfA=="), ("3", "MTczNjMzMTEyOC4wfHwzfA==")]


def test_given_a_stored_cursor_when_fetching_then_start_time_is_never_sent(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, match=[export_query(cursor="c7")], json=page([], "c7", end=True))

    assert list(connector.fetch_changes("c7")) == []
    assert "start_time" not in (api.calls[0].request.url or "")


def test_end_of_stream_stops_reading_although_an_after_cursor_is_given(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, json=page([ticket(1)], "c1", end=True))

    assert len(list(connector.fetch_changes(None))) == 1
    assert len(api.calls) == 1


def test_the_api_token_is_sent_as_basic_auth_of_email_slash_token(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    credentials = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    api.get(EXPORT, match=[matchers.header_matcher({"Authorization": f"Basic {credentials}"})],
            json=page([], "c1", end=True))

    assert list(connector.fetch_changes(None)) == []


def test_side_loaded_requester_and_organization_become_person_and_organization(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, json=page([ticket(1, requester_id=9002, organization_id=502)], "c1", end=True))

    found = next(connector.fetch_changes(None)).ticket

    assert (found.requester and found.requester.locale, found.requester and found.requester.email) == (
        "en-US", "john@northwind.example")
    assert found.organization is not None
    assert (found.organization.name, dict(found.organization.fields)) == (
        "Northwind Traders", {"tier": "smb", "paid_accounts": 3})
    assert (found.channel, found.url) == ("email", f"{BASE}/agent/tickets/1")


def test_tickets_deleted_in_zendesk_come_out_marked_deleted(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, json=page([ticket(1), ticket(2, status="deleted")], "c1", end=True))

    assert [c.ticket.deleted for c in connector.fetch_changes(None)] == [False, True]


def test_dropdown_values_become_option_names_and_text_fields_stay_as_they_are(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    with_fields(api)
    api.get(EXPORT, json=page([ticket(1, custom_fields=[
        {"id": 360000000001, "value": "topic_marking_aggregation"}, {"id": 360000000020, "value": "5.1"},
        {"id": 360000000011, "value": None}])], "c1", end=True))

    found = next(connector.fetch_changes(None)).ticket

    assert dict(found.fields) == {"360000000001": "Маркировка::Агрегация", "360000000020": "5.1"}


def test_ticket_fields_are_read_once_for_many_pages(connector: ZendeskConnector,
                                                    api: responses.RequestsMock) -> None:
    with_fields(api)
    value = [{"id": 360000000001, "value": "topic_reports"}]
    api.get(EXPORT, match=[export_query(start_time="0")], json=page([ticket(1, custom_fields=value)], "c1", end=False))
    api.get(EXPORT, match=[export_query(cursor="c1")], json=page([ticket(2, custom_fields=value)], "c2", end=True))

    assert [c.ticket.fields["360000000001"] for c in connector.fetch_changes(None)] == ["Отчёты", "Отчёты"]
    assert sum(call.request.url == FIELDS for call in api.calls) == 1


def test_an_unknown_field_id_reads_the_ticket_fields_again_once(connector: ZendeskConnector,
                                                                 api: responses.RequestsMock) -> None:
    new_field = {"id": 360000000099, "type": "tagger", "title": "Продукт",
                 "custom_field_options": [{"id": 1, "name": "Склад", "value": "product_wms"}]}
    api.get(FIELDS, json={"ticket_fields": SEED["ticket_fields"]})
    api.get(FIELDS, json={"ticket_fields": [*SEED["ticket_fields"], new_field]})
    api.get(EXPORT, json=page([
        ticket(1, custom_fields=[{"id": 360000000001, "value": "topic_reports"}]),
        ticket(2, custom_fields=[{"id": 360000000099, "value": "product_wms"}]),
        ticket(3, custom_fields=[{"id": 360000000099, "value": "product_wms"}])], "c1", end=True))

    labels = [c.ticket.fields for c in connector.fetch_changes(None)]

    assert [dict(f) for f in labels[1:]] == [{"360000000099": "Склад"}] * 2
    assert sum(call.request.url == FIELDS for call in api.calls) == 2


def test_a_field_still_unknown_after_a_refresh_does_not_read_the_fields_again(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    with_fields(api)
    ghost = [{"id": 123, "value": "ghost"}]
    api.get(EXPORT, json=page([ticket(1, custom_fields=ghost), ticket(2, custom_fields=ghost)], "c1", end=True))

    assert [dict(c.ticket.fields) for c in connector.fetch_changes(None)] == [{"123": "ghost"}] * 2
    assert sum(call.request.url == FIELDS for call in api.calls) == 2


def test_a_429_waits_for_retry_after_then_reads_on(connector: ZendeskConnector, api: responses.RequestsMock,
                                                   sleeps: list[float]) -> None:
    api.get(EXPORT, status=429, headers={"Retry-After": "7"},
            json={"error": "APIRateLimitExceeded",
                  "description": "Number of allowed incremental export API requests per minute exceeded"})
    api.get(EXPORT, json=page([ticket(1)], "c1", end=True))

    assert len(list(connector.fetch_changes(None))) == 1
    assert sleeps == [7.0]


def test_a_5xx_is_retried_with_growing_backoff(connector: ZendeskConnector, api: responses.RequestsMock,
                                              sleeps: list[float]) -> None:
    api.get(EXPORT, status=503, body="Service Unavailable")
    api.get(EXPORT, status=502, body="Bad Gateway")
    api.get(EXPORT, json=page([ticket(1)], "c1", end=True))

    assert len(list(connector.fetch_changes(None))) == 1
    assert sleeps == [1.0, 2.0]


def test_a_401_stops_with_the_endpoint_named_and_the_token_never_shown(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(EXPORT, status=401, json={"error": "Couldn't authenticate you"})

    with pytest.raises(FatalError) as caught:
        list(connector.fetch_changes(None))

    message = str(caught.value)
    assert "GET /api/v2/incremental/tickets/cursor.json" in message and "authenticate" in message
    assert TOKEN not in message and base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode() not in message
    assert len(api.calls) == 1


def test_only_the_incremental_export_passes_the_rate_limiter(connector: ZendeskConnector,
                                                             api: responses.RequestsMock,
                                                             sleeps: list[float]) -> None:
    connector.limiter.per_minute = 1
    with_fields(api)
    value = [{"id": 360000000001, "value": "topic_reports"}]
    api.get(EXPORT, match=[export_query(start_time="0")], json=page([ticket(1, custom_fields=value)], "c1", end=False))
    api.get(EXPORT, match=[export_query(cursor="c1")], json=page([ticket(2)], "c2", end=True))

    list(connector.fetch_changes(None))

    assert sleeps == [60.0]


def test_get_ticket_reads_one_ticket_with_its_requester_and_organization(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(f"{BASE}/api/v2/tickets/5158.json",
            match=[matchers.query_param_matcher({"include": "users,organizations"})],
            json={"ticket": ticket(5158), "users": SEED["users"], "organizations": SEED["organizations"]})

    found = connector.get_ticket(TicketRef("zendesk", "5158"))

    assert (found.ref, found.requester and found.requester.name) == (TicketRef("zendesk", "5158"), "Анна Петрова")


def test_get_ticket_of_a_missing_ticket_is_fatal_and_names_the_endpoint(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    api.get(f"{BASE}/api/v2/tickets/404.json", status=404, json={"error": "RecordNotFound", "description": "Not found"})

    with pytest.raises(FatalError, match=r"GET /api/v2/tickets/404\.json"):
        connector.get_ticket(TicketRef("zendesk", "404"))


# Marking through mappings/zendesk.yaml


@pytest.mark.parametrize(("fields", "category", "subcategory"), [
    ([{"id": 360000000001, "value": "topic_marking_aggregation"}], "marking", "aggregation"),
    ([{"id": 360000000001, "value": "topic_marking"}, {"id": 360000000011, "value": "marking_sub_codes"}],
     "marking", "code_ordering"),
    ([{"id": 360000000001, "value": "topic_reports"}, {"id": 360000000012, "value": "reports_sub_dashboards"}],
     "reports", "dashboards"),
    ([{"id": 360000000001, "value": "topic_reports"}], "reports", None),
], ids=["nested dropdown", "conditional marking field", "conditional reports field", "category only"])
def test_nested_and_conditional_subcategories_are_read_through_the_mapping(
        connector: ZendeskConnector, api: responses.RequestsMock, fields: list[dict[str, Any]], category: str,
        subcategory: str | None) -> None:
    with_fields(api)
    api.get(EXPORT, json=page([ticket(1, custom_fields=fields)], "c1", end=True))
    mapping = load_mappings(MAPPINGS).helpdesk("zendesk")
    assert mapping is not None

    marking = mapping.apply(next(connector.fetch_changes(None)).ticket)

    assert (marking.category, marking.subcategory) == (category, subcategory)


def test_the_mapping_reads_segment_paid_accounts_manager_language_and_a_feature_request_label(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    with_fields(api)
    api.get(EXPORT, json=page([ticket(1, type="incident", via={"channel": "native_messaging"},
                                      custom_fields=[{"id": 360000000003, "value": "request_feature"}])],
                              "c1", end=True))
    mapping = load_mappings(MAPPINGS).helpdesk("zendesk")
    assert mapping is not None

    marking = mapping.apply(next(connector.fetch_changes(None)).ticket)

    assert (marking.is_wish, marking.segment, marking.paid_accounts, marking.language, marking.channel) == (
        True, "enterprise", 120, "ru", "chat")
    assert marking.account_manager == "Ирина Соколова"   # the organisation field release digests name


# Writing back


def job(job_id: str, status: str, results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": job_id, "job_type": "bulk_update", "status": status, "total": 3,
            "progress": len(results or ()), "message": None, "results": results,
            "url": f"{BASE}/api/v2/job_statuses/{job_id}.json"}


def updated(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i, "action": "update", "success": True, "status": "Updated"} for i in ids]


REGISTERED = Patch(comment="Ваше пожелание зарегистрировано", tags_add=("wish_registered",),
                   tags_remove=("wish_new",), fields={"360000000020": "W-7"}, status="pending")


@pytest.fixture
def writer(connector: ZendeskConnector) -> ZendeskConnector:
    """A connector that has read the account's ticket fields already."""
    connector._catalog = FieldCatalog(SEED["ticket_fields"])
    return connector


def write(ticket_id: int, patch: Patch = REGISTERED, *, check: bool = False) -> TicketWrite:
    return TicketWrite(TicketRef("zendesk", str(ticket_id)), patch, f"stage:registered:g1:e0:t{ticket_id}",
                       check=check)


def body_of(w: TicketWrite) -> dict[str, Any]:
    return {"comment": {"body": w.patch.comment, "public": w.patch.public},
            "additional_tags": [*w.patch.tags_add, w.marker], "remove_tags": list(w.patch.tags_remove),
            "custom_fields": [{"id": 360000000020, "value": "W-7"}], "status": "pending"}


def test_one_ticket_is_updated_with_its_reply_tags_field_status_and_marker_in_one_put(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    one = write(7)
    api.put(f"{BASE}/api/v2/tickets/7.json", match=[matchers.json_params_matcher({"ticket": body_of(one)})],
            json={"ticket": ticket(7)})

    assert writer.apply([one]) == {one.key: None}
    assert len(api.calls) == 1


def test_an_internal_note_is_written_as_a_private_comment(writer: ZendeskConnector,
                                                          api: responses.RequestsMock) -> None:
    note = write(7, Patch(comment="Analyst asked", public=False))
    api.put(f"{BASE}/api/v2/tickets/7.json", match=[matchers.json_params_matcher(
        {"ticket": {"comment": {"body": "Analyst asked", "public": False}, "additional_tags": [note.marker]}})],
        json={"ticket": ticket(7)})

    assert writer.apply([note]) == {note.key: None}


def test_many_tickets_go_in_one_batch_update_each_with_its_own_body_and_the_job_is_followed(
        writer: ZendeskConnector, api: responses.RequestsMock, sleeps: list[float]) -> None:
    writes = [write(i, Patch(comment=f"Ваше пожелание W-{i} зарегистрировано")) for i in (1, 2, 3)]
    bodies = [{"id": w_.ref.external_id and int(w_.ref.external_id), "comment": {"body": w_.patch.comment,
               "public": True}, "additional_tags": [w_.marker]} for w_ in writes]
    api.put(f"{BASE}/api/v2/tickets/update_many.json", match=[matchers.json_params_matcher({"tickets": bodies})],
            json={"job_status": job("j1", "queued")})
    api.get(f"{BASE}/api/v2/job_statuses/show_many.json", match=[matchers.query_param_matcher({"ids": "j1"})],
            json={"job_statuses": [job("j1", "working")]})
    api.get(f"{BASE}/api/v2/job_statuses/show_many.json", json={"job_statuses": [job("j1", "completed",
                                                                                     updated(1, 2, 3))]})

    assert writer.apply(writes) == {w_.key: None for w_ in writes}
    assert len(api.calls) == 3 and sleeps == [0.25, 0.5]  # the first polls come sooner


def test_several_jobs_are_queued_before_any_is_polled_and_polled_together(
        writer: ZendeskConnector, api: responses.RequestsMock, sleeps: list[float]) -> None:
    writes = [write(i) for i in range(1, 251)]
    for n in (1, 2, 3):
        api.put(f"{BASE}/api/v2/tickets/update_many.json", json={"job_status": job(f"j{n}", "queued")})
    api.get(f"{BASE}/api/v2/job_statuses/show_many.json", match=[matchers.query_param_matcher({"ids": "j1,j2,j3"})],
            json={"job_statuses": [job("j1", "completed", updated(*range(1, 101))),
                                   job("j2", "completed", updated(*range(101, 201))),
                                   job("j3", "completed", updated(*range(201, 251)))]})

    assert writer.apply(writes) == {w_.key: None for w_ in writes}
    assert [len(json.loads(c.request.body)["tickets"]) for c in api.calls[:3]] == [100, 100, 50]
    assert len(api.calls) == 4 and sleeps == [0.25]


def test_a_checked_batch_of_250_reads_its_tickets_a_hundred_at_a_time(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    writes = [write(i, check=True) for i in range(1, 251)]
    api.get(f"{BASE}/api/v2/job_statuses.json", json={"job_statuses": []})
    for first, last in ((1, 100), (101, 200), (201, 250)):
        api.get(f"{BASE}/api/v2/tickets/show_many.json", match=[matchers.query_param_matcher(
            {"ids": ",".join(str(i) for i in range(first, last + 1))})],
            json={"tickets": [ticket(i, tags=[writes[i - 1].marker]) for i in range(first, last + 1)]})

    assert writer.apply(writes) == {w_.key: None for w_ in writes}
    assert len(api.calls) == 4


def test_a_locked_ticket_is_left_to_retry_and_a_closed_one_gets_one_follow_up(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    writes = [write(i) for i in (1, 2, 3)]
    api.put(f"{BASE}/api/v2/tickets/update_many.json", json={"job_status": job("j1", "completed", [
        *updated(1),
        {"id": 2, "action": "update", "success": False, "error": "TicketUpdateFailed", "details": "locked"},
        {"id": 3, "action": "update", "success": False, "error": "RecordInvalid",
         "details": "Status: closed prevents ticket update"}])})
    api.get(f"{BASE}/api/v2/tickets/show_many.json", match=[matchers.query_param_matcher({"ids": "3"})],
            json={"tickets": [ticket(3, status="closed", requester_id=9001, subject="Выгрузка в 1С")]})
    api.post(f"{BASE}/api/v2/tickets.json", match=[
        matchers.header_matcher({"Idempotency-Key": writes[2].key}),
        matchers.json_params_matcher({"ticket": {
            "via_followup_source_id": 3, "requester_id": 9001, "subject": "Выгрузка в 1С",
            "comment": {"body": REGISTERED.comment, "public": True},
            "tags": ["wish_registered", writes[2].marker, "wishbridge_followup"],
            "custom_fields": [{"id": 360000000020, "value": "W-7"}]}})],
        status=201, json={"ticket": ticket(4)})

    outcome = writer.apply(writes)

    assert outcome[writes[0].key] is None and outcome[writes[2].key] is None
    assert isinstance(outcome[writes[1].key], RetriableError)


def test_a_write_that_may_have_landed_waits_for_running_jobs_and_finds_its_marker(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    landed, lost = write(1, check=True), write(2, check=True)
    api.get(f"{BASE}/api/v2/job_statuses.json", json={"job_statuses": [job("j0", "working"), job("j9", "completed")]})
    api.get(f"{BASE}/api/v2/job_statuses/show_many.json", match=[matchers.query_param_matcher({"ids": "j0"})],
            json={"job_statuses": [job("j0", "completed", updated(1))]})
    api.get(f"{BASE}/api/v2/tickets/show_many.json", match=[matchers.query_param_matcher({"ids": "1,2"})],
            json={"tickets": [ticket(1, tags=["wish_registered", landed.marker]), ticket(2, tags=[])]})
    api.put(f"{BASE}/api/v2/tickets/2.json", match=[matchers.json_params_matcher({"ticket": body_of(lost)})],
            json={"ticket": ticket(2)})

    assert writer.apply([landed, lost]) == {landed.key: None, lost.key: None}
    assert [c.request.method for c in api.calls] == ["GET", "GET", "GET", "PUT"]


def test_a_mapping_that_leaves_closed_tickets_alone_gets_no_follow_up(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    leave = write(3, Patch(comment="Готово", follow_up_closed=False))
    api.put(f"{BASE}/api/v2/tickets/3.json", status=422, json={
        "error": "RecordInvalid", "description": "Record validation errors",
        "details": {"status": [{"description": "Status: closed prevents ticket update"}]}})

    assert writer.apply([leave]) == {leave.key: None}
    assert [c.request.method for c in api.calls] == ["PUT"]


def test_a_checked_write_to_a_closed_ticket_finds_its_follow_up_and_sends_nothing(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    again = write(3, check=True)
    api.get(f"{BASE}/api/v2/job_statuses.json", json={"job_statuses": []})
    api.get(f"{BASE}/api/v2/tickets/show_many.json", match=[matchers.query_param_matcher({"ids": "3"})],
            json={"tickets": [ticket(3, status="closed", followup_ids=[40])]})
    api.get(f"{BASE}/api/v2/tickets/show_many.json", match=[matchers.query_param_matcher({"ids": "40"})],
            json={"tickets": [ticket(40, tags=[again.marker, "wishbridge_followup"])]})

    assert writer.apply([again]) == {again.key: None}
    assert not [c for c in api.calls if c.request.method != "GET"]


def test_a_job_still_running_after_the_last_poll_leaves_its_tickets_to_retry(
        writer: ZendeskConnector, api: responses.RequestsMock) -> None:
    writer.job_polls = 2
    api.put(f"{BASE}/api/v2/tickets/update_many.json", json={"job_status": job("j1", "queued")})
    api.get(f"{BASE}/api/v2/job_statuses/show_many.json", json={"job_statuses": [job("j1", "working")]})

    outcome = writer.apply([write(1), write(2)])

    assert all(isinstance(error, RetriableError) and "still working" in str(error) for error in outcome.values())
    assert len(api.calls) == 3


def test_a_write_that_timed_out_is_not_resent_blindly(writer: ZendeskConnector,
                                                      api: responses.RequestsMock) -> None:
    api.put(f"{BASE}/api/v2/tickets/7.json", status=504, body="Gateway Timeout")

    outcome = writer.apply([write(7)])

    assert isinstance(outcome[write(7).key], RetriableError)
    assert [c.request.method for c in api.calls] == ["PUT"]


def test_a_dropdown_value_written_by_its_option_name_goes_out_as_the_option_tag(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    with_fields(api)
    topic = write(7, Patch(fields={"360000000001": "Маркировка::Агрегация"}))
    api.put(f"{BASE}/api/v2/tickets/7.json", match=[matchers.json_params_matcher({"ticket": {
        "additional_tags": [topic.marker], "custom_fields": [{"id": 360000000001, "value": "topic_marking_aggregation"}]}})],
        json={"ticket": ticket(7)})

    assert connector.apply([topic]) == {topic.key: None}


def test_an_export_page_that_keeps_timing_out_is_asked_for_again_at_half_the_size(
        connector: ZendeskConnector, api: responses.RequestsMock) -> None:
    connector.client.retries = 0
    api.get(EXPORT, match=[export_query(start_time="0")], status=504, body="Gateway Timeout")
    api.get(EXPORT, match=[matchers.query_param_matcher(
        {"start_time": "0", "per_page": "500", "include": "users,organizations"})],
        json=page([ticket(1)], "c1", end=True))

    assert len(list(connector.fetch_changes(None))) == 1
    assert connector.page_size == 500


# Webhooks


def signed(body: bytes, timestamp: str = "2025-01-08T10:12:07Z", secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp, "Content-Type": "application/json",
            "X-Zendesk-Webhook-Invocation-Id": "inv-42"}


def test_a_signed_event_envelope_becomes_one_event_for_its_ticket(connector: ZendeskConnector) -> None:
    body = shared_path("data", "webhooks", "zendesk", "event_ticket_comment_added.json").read_bytes()

    [event] = connector.parse_webhook(signed(body), body)

    assert (event.source, event.kind, event.delivery_id, event.ref) == (
        "zendesk", "ticket.comment_added", "d4f5c389-8f4a-4c2e-a1b9-8e4f39c71d52", TicketRef("zendesk", "5158"))


def test_a_trigger_body_is_identified_by_its_invocation_id(connector: ZendeskConnector) -> None:
    body = shared_path("data", "webhooks", "zendesk", "zulip_trigger_ticket_create_update.json").read_bytes()

    [event] = connector.parse_webhook(signed(body), body)

    assert (event.kind, event.delivery_id, event.ref) == ("ticket.trigger", "inv-42", TicketRef("zendesk", "7"))


def _webhook_files() -> list[Path]:
    return sorted(shared_path("data", "webhooks", "zendesk").glob("*.json"))


def test_every_shared_zendesk_webhook_parses_to_one_ticket_event(connector: ZendeskConnector) -> None:
    files = _webhook_files()
    events = [connector.parse_webhook(signed(f.read_bytes()), f.read_bytes()) for f in files]

    assert files
    assert all(len(found) == 1 and found[0].ref is not None for found in events)


def test_a_signed_event_about_something_other_than_a_ticket_yields_no_event(connector: ZendeskConnector) -> None:
    body = json.dumps({"id": "e1", "type": "zen:event-type:user.created", "detail": {"id": "8447388090494"},
                       "subject": "zen:user:8447388090494", "event": {}}).encode()

    assert connector.parse_webhook(signed(body), body) == []


def test_a_bad_signature_is_refused(connector: ZendeskConnector) -> None:
    body = b'{"ticket_id": "7"}'
    headers = signed(body, secret="someone-else")

    with pytest.raises(InvalidSignature, match="does not match"):
        connector.parse_webhook(headers, body)


def test_a_body_changed_after_signing_is_refused(connector: ZendeskConnector) -> None:
    headers = signed(b'{"ticket_id": "7"}')

    with pytest.raises(InvalidSignature):
        connector.parse_webhook(headers, b'{"ticket_id": "8"}')


@pytest.mark.parametrize("timestamp", ["2025-01-08T10:06:06Z", "2025-01-08T10:18:08Z", "1736330826"],
                         ids=["six minutes old", "six minutes ahead", "unix seconds, five minutes and a second old"])
def test_a_timestamp_more_than_five_minutes_away_is_refused(connector: ZendeskConnector, timestamp: str) -> None:
    body = b'{"ticket_id": "7"}'

    with pytest.raises(InvalidSignature, match="five minutes"):
        connector.parse_webhook(signed(body, timestamp), body)


def test_a_timestamp_four_minutes_old_is_accepted(connector: ZendeskConnector) -> None:
    body = b'{"ticket_id": "7"}'

    assert len(connector.parse_webhook(signed(body, "2025-01-08T10:08:07Z"), body)) == 1


def test_without_a_configured_secret_every_delivery_is_refused() -> None:
    body = b'{"ticket_id": "7"}'

    with pytest.raises(InvalidSignature, match="ZENDESK_WEBHOOK_SECRET"):
        ZendeskConnector(BASE, EMAIL, TOKEN, clock=lambda: NOW).parse_webhook(signed(body), body)


def test_broken_json_with_a_good_signature_names_its_line_and_column(connector: ZendeskConnector) -> None:
    body = b'{\n  "ticket_id": "7",\n  "tags": oops\n}'

    with pytest.raises(ValueError, match="line 3 column 11"):
        connector.parse_webhook(signed(body), body)
