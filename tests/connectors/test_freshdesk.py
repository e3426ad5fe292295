from collections.abc import Iterator
from typing import Any

import pytest
import responses

from bridge.config import load_settings
from bridge.errors import ConfigError, FatalError
from bridge.mapping import load_mappings
from bridge.model import Patch, TicketRef, TicketWrite
from connectors.freshdesk import FreshdeskConnector, Position
from tests.conftest import MAPPINGS
from tests.connectors.fake_freshdesk import API_KEY, URL, FakeFreshdesk


def apply(desk: FreshdeskConnector, patch: Patch, *refs: TicketRef, check: bool = False) -> dict[TicketRef, Any]:
    writes = [TicketWrite(ref, patch, f"stage:registered:g1:e0:t{ref.external_id}", check=check) for ref in refs]
    result = desk.apply(writes)
    return {w.ref: result[w.key] for w in writes}


@pytest.fixture
def fake() -> Iterator[FakeFreshdesk]:
    vendor = FakeFreshdesk()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        vendor.install(mock)
        yield vendor


@pytest.fixture
def naps() -> list[float]:
    return []


@pytest.fixture
def desk(naps: list[float]) -> FreshdeskConnector:
    connector = FreshdeskConnector(URL, API_KEY)
    connector.client.sleep = naps.append
    return connector


def ids(changes) -> list[str]:
    return [change.ticket.ref.external_id for change in changes]


def test_settings_without_url_or_key_are_refused_naming_both():
    with pytest.raises(ConfigError) as error:
        FreshdeskConnector.from_settings(load_settings({}, env_file=None))
    assert "FRESHDESK_URL" in str(error.value) and "FRESHDESK_API_KEY" in str(error.value)


def test_first_sync_asks_for_every_ticket_since_the_beginning_by_updated_at(fake, desk):
    fake.add_ticket("old one")
    list(desk.fetch_changes(None))
    assert fake.list_requests == [{
        "updated_since": ["1970-01-01T00:00:00Z"], "order_by": ["updated_at"], "order_type": ["asc"],
        "per_page": ["100"], "include": ["requester,description"],
    }]


def test_tickets_carry_requester_company_and_dependent_custom_fields(fake, desk):
    fake.add_company(8, "Acme Retail", tier="Enterprise", paid_accounts=40)
    first = fake.add_ticket("Export to Excel", "Please add XLSX export", company_id=8, tags=["wish"], type="Feature",
                            custom_fields={"cf_category": "Reports", "cf_sub_category": "Export",
                                           "cf_item": "XLSX"})
    fake.add_ticket("Another", company_id=8)

    ticket = next(iter(desk.fetch_changes(None))).ticket

    assert ticket.ref == TicketRef("freshdesk", str(first))
    assert (ticket.subject, ticket.body, ticket.ticket_type, ticket.tags) == (
        "Export to Excel", "Please add XLSX export", "Feature", ("wish",))
    assert ticket.fields["cf_category"] == "Reports"
    assert (ticket.fields["cf_sub_category"], ticket.fields["cf_item"]) == ("Export", "XLSX")
    assert ticket.requester and ticket.requester.email == f"customer{first}@example.com"
    assert ticket.organization and ticket.organization.name == "Acme Retail"
    assert ticket.organization.fields == {"tier": "Enterprise", "paid_accounts": 40}
    assert (ticket.status, ticket.channel) == ("open", "portal")
    assert ticket.url == f"{URL}/helpdesk/tickets/{first}"


def test_a_company_is_looked_up_once_for_all_its_tickets(fake, desk):
    fake.add_company(8, "Acme Retail")
    for n in range(3):
        fake.add_ticket(f"t{n}", company_id=8)
    list(desk.fetch_changes(None))
    assert desk.client.calls == 2  # one list page, one company


def test_given_several_pages_when_read_then_each_page_restarts_from_the_last_second_read(fake, desk):
    desk.per_page = 2
    for n in range(5):
        fake.add_ticket(f"t{n}")
    changes = list(desk.fetch_changes(None))
    assert ids(changes) == ["1", "2", "3", "4", "5"]
    assert [c.cursor for c in changes] == [
        "2024-03-01T09:02:00Z|2", "2024-03-01T09:02:00Z|2", "2024-03-01T09:03:00Z|3",
        "2024-03-01T09:04:00Z|4", "2024-03-01T09:05:00Z|5"]
    assert [q["updated_since"][0] for q in fake.list_requests] == [
        "1970-01-01T00:00:00Z", "2024-03-01T09:02:00Z", "2024-03-01T09:03:00Z", "2024-03-01T09:04:00Z"]


def test_a_ticket_updated_during_the_run_is_not_skipped_by_shifted_pages(fake, desk):
    desk.per_page = 2
    for n in range(4):
        fake.add_ticket(f"t{n}")
    stream = desk.fetch_changes(None)
    first = [next(stream), next(stream)]
    fake.tickets[1]["updated_at"] = fake.tick()
    rest = list(stream)
    assert ids(first + rest) == ["1", "2", "3", "4", "1"]


def test_resuming_skips_the_tickets_of_the_last_second_already_read(fake, desk):
    for n in range(3):
        fake.add_ticket(f"t{n}", updated_at="2024-03-01T10:00:00Z")
    fake.add_ticket("later", updated_at="2024-03-01T10:00:05Z")
    assert ids(desk.fetch_changes("2024-03-01T10:00:00Z|1,2")) == ["3", "4"]


def test_a_ticket_updated_again_comes_again(fake, desk):
    fake.add_ticket("t")
    cursor = list(desk.fetch_changes(None))[-1].cursor
    fake.tickets[1]["updated_at"] = fake.tick()
    assert ids(desk.fetch_changes(cursor)) == ["1"]


def test_pages_within_one_second_follow_the_link_header_up_to_the_cap(fake, desk, monkeypatch):
    monkeypatch.setattr(FreshdeskConnector, "PAGE_CAP", 3)
    fake.page_cap = 3
    desk.per_page = 2
    for n in range(5):
        fake.add_ticket(f"t{n}", updated_at="2024-03-01T10:00:00Z")
    fake.add_ticket("later", updated_at="2024-03-01T10:00:01Z")

    changes = list(desk.fetch_changes("2024-03-01T09:00:00Z|"))

    assert ids(changes) == ["1", "2", "3", "4", "5", "6"]
    assert [(q["updated_since"][0], q.get("page", ["1"])[0]) for q in fake.list_requests] == [
        ("2024-03-01T09:00:00Z", "1"), ("2024-03-01T10:00:00Z", "1"), ("2024-03-01T10:00:00Z", "2"),
        ("2024-03-01T10:00:00Z", "3")]


def test_a_full_page_cap_within_one_second_is_a_fatal_error_not_a_loop(fake, desk, monkeypatch):
    monkeypatch.setattr(FreshdeskConnector, "PAGE_CAP", 1)
    desk.per_page = 1
    for n in range(3):
        fake.add_ticket(f"t{n}", updated_at="2024-03-01T10:00:00Z")
    with pytest.raises(FatalError, match="share updated_at"):
        list(desk.fetch_changes("2024-03-01T10:00:00Z|1"))


def test_cursor_round_trips_with_numeric_order_of_ids():
    position = Position.parse("2024-03-01T10:00:00Z|10,9")
    assert str(position) == "2024-03-01T10:00:00Z|9,10"
    assert Position.parse(None) == Position()


def test_get_ticket_reads_one_ticket_with_its_requester(fake, desk):
    fake.add_ticket("one", "body text")
    ticket = desk.get_ticket(TicketRef("freshdesk", "1"))
    assert (ticket.subject, ticket.body, ticket.requester.name) == ("one", "body text", "Customer 1")


def test_public_comment_is_a_reply_and_private_one_a_private_note(fake, desk):
    fake.add_ticket("t")
    ref = TicketRef("freshdesk", "1")
    apply(desk, Patch(comment="Thanks, <noted>\nW-7"), ref)
    apply(desk, Patch(comment="internal", public=False), ref)
    reply, note = fake.conversations[1]
    assert (reply["source"], reply["private"]) == (0, False)
    assert reply["body"].startswith("Thanks, &lt;noted&gt;<br>W-7<!-- wishbridge wb_")
    assert (note["source"], note["private"], note["body_text"]) == (2, True, "internal")


def test_a_checked_retry_finds_its_marker_and_writes_no_second_comment(fake, desk):
    fake.add_ticket("t")
    ref = TicketRef("freshdesk", "1")
    for check in (False, True):
        assert apply(desk, Patch(comment="Registered as W-7"), ref, check=check) == {ref: None}
    assert len(fake.conversations[1]) == 1


def test_tags_are_read_then_written_whole_keeping_the_agents_tags(fake, desk):
    fake.add_ticket("t", tags=["vip", "wish_registered"])
    apply(desk, Patch(tags_add=("wish_in_analysis",), tags_remove=("wish_registered",)), TicketRef("freshdesk", "1"))
    assert fake.tickets[1]["tags"] == ["vip", "wish_in_analysis"]


def test_fields_and_status_go_out_in_one_update(fake, desk):
    fake.add_ticket("t")
    apply(desk, Patch(fields={"cf_wish_status": "Planned", "priority": 3},
                                                    status="resolved"), TicketRef("freshdesk", "1"))
    ticket = fake.tickets[1]
    assert (ticket["custom_fields"]["cf_wish_status"], ticket["priority"], ticket["status"]) == ("Planned", 3, 4)
    assert desk.client.calls == 1


def test_a_tag_patch_that_changes_nothing_sends_no_update(fake, desk):
    fake.add_ticket("t", tags=["wish_registered"])
    apply(desk, Patch(tags_add=("wish_registered",)), TicketRef("freshdesk", "1"))
    assert desk.client.calls == 1


def test_each_ticket_succeeds_or_fails_on_its_own(fake, desk):
    fake.add_ticket("t")
    good, gone = TicketRef("freshdesk", "1"), TicketRef("freshdesk", "99")
    outcome = apply(desk, Patch(tags_add=("x",)), gone, good)
    assert outcome[good] is None
    assert isinstance(outcome[gone], FatalError) and outcome[gone].status == 404


def test_an_unknown_status_name_fails_that_ticket_without_a_call(fake, desk):
    fake.add_ticket("t")
    ref = TicketRef("freshdesk", "1")
    assert "unknown Freshdesk status 'shipped'" in str(apply(desk, Patch(status="shipped"), ref)[ref])


@responses.activate
def test_a_429_waits_for_retry_after_then_succeeds(desk, naps):
    responses.get(f"{URL}/api/v2/tickets/1/conversations", status=429, headers={"Retry-After": "7"},
                  json={"code": "rate_limit", "message": "You have exceeded the limit of requests per minute"})
    responses.get(f"{URL}/api/v2/tickets/1/conversations", json=[])
    responses.post(f"{URL}/api/v2/tickets/1/reply", status=201, json={"id": 1, "body_text": "hi"})
    assert apply(desk, Patch(comment="hi"), TicketRef("freshdesk", "1"), check=True) == {
        TicketRef("freshdesk", "1"): None}
    assert naps == [7.0]


@responses.activate
def test_when_the_minute_budget_is_spent_then_the_next_call_waits_a_minute(desk, naps):
    responses.get(f"{URL}/api/v2/tickets", json=[], headers={"X-Ratelimit-Total": "200",
                                                             "X-Ratelimit-Remaining": "1"})
    list(desk.fetch_changes(None))
    assert (desk.rate_remaining, naps) == (1, [60])


def test_the_shipped_mapping_reads_dependent_fields_and_company_fields(fake, desk):
    fake.add_company(8, "Acme Retail", tier="Enterprise", paid_accounts=40)
    fake.add_ticket("Выгрузка в Excel", "Добавьте выгрузку", company_id=8, type="Feature Request",
                    custom_fields={"cf_category": "Отчёты", "cf_sub_category": "Выгрузка", "cf_item": "XLSX"})
    ticket = next(iter(desk.fetch_changes(None))).ticket
    marking = load_mappings(MAPPINGS).helpdesk("freshdesk").apply(ticket)
    assert (marking.is_wish, marking.category, marking.subcategory) == (True, "reports", "export")
    assert (marking.segment, marking.paid_accounts, marking.channel, marking.language) == (
        "enterprise", 40, "web form", "ru")
