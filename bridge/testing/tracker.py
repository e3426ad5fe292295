"""The battery every tracker connector passes, built-in or third-party. A plug-in's test module imports these
tests and gives two fixtures, `name` (its entry-point name) and `harness` (a TrackerHarness), as in
bridge/testing/helpdesk.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from bridge.errors import FatalError, InvalidSignature
from bridge.model import STATUS_CHANGED, EpicBrief, TicketLine, TicketLink, TicketRef
from bridge.ports import Tracker

Delivery = tuple[dict[str, str], bytes]
BRIEF = EpicBrief(7, "Export reports to Excel", summary="Finance teams export every report by hand each month.",
                  tickets=(TicketLine("zendesk #41: Excel export", "https://desk.example/tickets/41"),))
LINK = TicketLink(TicketRef("zendesk", "41"), "https://desk.example/tickets/41", "zendesk #41: Excel export", "Acme")


class TrackerHarness(Protocol):
    def connector(self) -> Tracker:
        """A new instance on every call (as after a restart), wired to the same vendor account."""
        ...

    def spec(self) -> dict[str, Any]:
        """An `epic:` section of mappings/<name>.yaml the vendor accepts."""
        ...

    def move(self, key: str, status: str, resolution: str | None = None) -> None:
        """A person moves the issue to `status` in the vendor's own terms."""
        ...

    def done_status(self) -> str:
        """A status `move` accepts that ends the work."""
        ...

    def webhook(self, key: str, *, genuine: bool) -> Delivery:
        """A status-change delivery about `key` the connector must accept (genuine) or refuse (forged)."""
        ...

    def issue(self, key: str) -> dict[str, Any]:
        """The vendor's view: at least `summary`, `description` (text) and `links` (one URL per link)."""
        ...


def test_it_satisfies_the_tracker_interface_and_declares_its_name_and_role(name: str,
                                                                           harness: TrackerHarness) -> None:
    connector = harness.connector()
    assert isinstance(connector, Tracker)
    assert (type(connector).name, type(connector).role) == (name, "tracker")


def test_an_epic_carries_the_brief_and_is_found_again_by_its_group_after_a_restart(harness: TrackerHarness) -> None:
    created = harness.connector().create_epic(BRIEF.group_id, BRIEF, harness.spec())

    found = harness.connector().find_epic(BRIEF.group_id)

    assert found is not None and found.issue_key == created.issue_key
    seen = harness.issue(created.issue_key)
    assert seen["summary"] == BRIEF.title and "Finance teams export" in seen["description"]
    assert harness.connector().find_epic(BRIEF.group_id + 1) is None


def test_a_tracker_whose_create_is_unique_answers_a_repeat_with_the_same_epic(harness: TrackerHarness) -> None:
    connector = harness.connector()
    if connector.search_settle:
        pytest.skip("this tracker's create is made exactly-once by the core's create intents and search")
    first = connector.create_epic(BRIEF.group_id, BRIEF, harness.spec())
    again = harness.connector().create_epic(BRIEF.group_id, BRIEF, harness.spec())
    assert again.issue_key == first.issue_key


def test_linking_a_ticket_twice_leaves_one_link(harness: TrackerHarness) -> None:
    key = harness.connector().create_epic(BRIEF.group_id, BRIEF, harness.spec()).issue_key

    harness.connector().link_ticket(key, LINK)
    harness.connector().link_ticket(key, LINK)

    assert harness.issue(key)["links"].count(LINK.url) == 1


def test_a_rewrite_replaces_the_description_and_an_unknown_issue_is_a_404(harness: TrackerHarness) -> None:
    connector = harness.connector()
    key = connector.create_epic(BRIEF.group_id, BRIEF, harness.spec()).issue_key

    connector.rewrite_epic(key, replace(BRIEF, notes="Analyst: quarterly close."))

    assert "quarterly close" in harness.issue(key)["description"]
    with pytest.raises(FatalError) as unknown:
        connector.adopt_issue("NOPE-404", BRIEF.group_id)
    assert unknown.value.status == 404


def test_an_issue_is_looked_up_by_its_key_and_a_malformed_or_unknown_key_is_told_apart(
        harness: TrackerHarness) -> None:
    connector = harness.connector()
    key = connector.create_epic(BRIEF.group_id, BRIEF, harness.spec()).issue_key
    harness.move(key, harness.done_status())

    assert connector.issue_key(f" {key.lower()} ") == key
    assert [connector.issue_key(text) for text in ("", "12", "not a key", f"{key} extra")] == [None] * 4
    found = harness.connector().get_issue(key)
    assert found is not None and (found.issue_key, found.status) == (key, harness.done_status())
    unknown = connector.issue_key("NOPE-404")
    assert unknown == "NOPE-404" and connector.get_issue(unknown) is None


def test_a_poll_sees_a_moved_epic_and_names_the_keys_that_do_not_exist(harness: TrackerHarness) -> None:
    connector = harness.connector()
    key = connector.create_epic(BRIEF.group_id, BRIEF, harness.spec()).issue_key
    harness.move(key, harness.done_status())

    polled = harness.connector().poll([key, "NOPE-404"], None, datetime.now(UTC))

    assert [state.issue_key for state in polled.states] == [key]
    assert polled.states[0].status == harness.done_status() and polled.missing == ["NOPE-404"]


def test_a_genuine_status_webhook_parses_and_a_forged_one_is_refused(harness: TrackerHarness) -> None:
    connector = harness.connector()
    key = connector.create_epic(BRIEF.group_id, BRIEF, harness.spec()).issue_key
    harness.move(key, harness.done_status())

    events = connector.parse_webhook(*harness.webhook(key, genuine=True))

    assert [(event.kind, event.issue_key) for event in events] == [(STATUS_CHANGED, key)]
    assert events[0].delivery_id and events[0].payload["status"] == harness.done_status()
    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.webhook(key, genuine=False))
