"""The public number of a wish group: written one way (W-12), read back from the ways people type it, never
confused with a helpdesk ticket's id, and shown in the audit trail for the groups a merge or split names."""

from __future__ import annotations

import pytest

from bridge.text.explain import audit_details
from bridge.text.numbers import TicketQuery, parse_public_number, parse_ticket, public_number


def test_a_group_is_written_w_dash_its_id() -> None:
    assert public_number(12) == "W-12"


@pytest.mark.parametrize("text", ["W-12", "w12", "w-12", "W 12", "#12", "12", "  W-12  ", "W-012"])
def test_the_ways_people_type_a_number_all_read_back_to_the_group(text: str) -> None:
    assert parse_public_number(text) == 12


@pytest.mark.parametrize("text", [None, "", "W-", "W--12", "X-12", "W-12a", "12 13", "W-0", "-12",
                                  "W-" + "9" * 20, str(2**31)])
def test_anything_else_is_no_number(text: str | None) -> None:
    assert parse_public_number(text) is None


def test_a_number_round_trips() -> None:
    assert parse_public_number(public_number(2**31 - 1)) == 2**31 - 1


@pytest.mark.parametrize(("text", "ticket"), [
    ("4711", TicketQuery(None, "4711")),
    ("#4711", TicketQuery(None, "4711")),
    ("zendesk 4711", TicketQuery("zendesk", "4711")),
    ("Zendesk#4711", TicketQuery("zendesk", "4711")),
    ("zendesk #4711", TicketQuery("zendesk", "4711")),
    ("rt:55", TicketQuery("rt", "55")),
    ("import INV-2024-7", TicketQuery("import", "INV-2024-7")),
])
def test_a_helpdesk_ticket_is_read_with_or_without_its_helpdesk(text: str, ticket: TicketQuery) -> None:
    assert parse_ticket(text) == ticket


@pytest.mark.parametrize("text", [None, "", "W-12", "w12", "W 12", "export to excel", "zendesk", "a b c 1",
                                  "x" * 120 + "1"])
def test_a_group_number_or_plain_words_are_no_ticket(text: str | None) -> None:
    assert parse_ticket(text) is None


def test_the_audit_trail_names_groups_by_their_number_and_other_rows_by_id() -> None:
    assert audit_details({"into": 7, "wishes": [3, 4]}, "en") == ["Into group: W-7", "Wishes: #3, #4"]
    assert audit_details({"source": 5, "wish": 9}, "ru") == ["Группа: W-5", "Пожелание: #9"]
