"""The battery every helpdesk connector passes, built-in or third-party. A plug-in's test module imports these
tests and gives two fixtures: `name` (its entry-point name) and `harness` (a HelpdeskHarness):

    from bridge.testing.helpdesk import *  # noqa: F403

    @pytest.fixture
    def name() -> str:
        return "acmedesk"

    @pytest.fixture
    def harness() -> Iterator[HelpdeskHarness]:
        with my_sandbox() as vendor:
            yield AcmeHarness(vendor)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import pytest

from bridge.errors import InvalidSignature
from bridge.model import Patch, TicketRef, TicketWrite
from bridge.ports import Helpdesk

Delivery = tuple[dict[str, str], bytes]


class HelpdeskHarness(Protocol):
    def connector(self) -> Helpdesk:
        """A new instance on every call (as after a restart), wired to the same vendor account."""
        ...

    def create_ticket(self, subject: str) -> TicketRef:
        """A new ticket in the vendor, changed later than every ticket created before it."""
        ...

    def comments(self, ref: TicketRef) -> list[str]:
        """The text of every comment, reply and note on the ticket, as the vendor keeps it."""
        ...

    def webhook(self, ref: TicketRef, *, genuine: bool) -> Delivery:
        """A delivery about `ref` the connector must accept (genuine) or refuse (forged or tampered)."""
        ...

    def bare(self, ref: TicketRef) -> Delivery:
        """The genuine delivery stripped of what proves it genuine (a signature header, a secret field)."""
        ...


def unsigned(harness: HelpdeskHarness, ref: TicketRef) -> Delivery:
    """`bare` for a vendor that signs in headers: the genuine body with none of its headers."""
    return {"Content-Type": "application/json"}, harness.webhook(ref, genuine=True)[1]


def test_it_satisfies_the_connector_interface_and_declares_its_name_and_role(name: str,
                                                                            harness: HelpdeskHarness) -> None:
    connector = harness.connector()
    assert isinstance(connector, Helpdesk)
    assert (type(connector).name, type(connector).role) == (name, "helpdesk")


def test_changes_come_oldest_first_and_resume_after_a_mid_stream_cursor(harness: HelpdeskHarness) -> None:
    created = [harness.create_ticket(f"wish {n}") for n in range(5)]

    changes = list(harness.connector().fetch_changes(None))

    refs = [change.ticket.ref for change in changes]
    assert [ref for ref in refs if ref in created] == created
    stamps = [change.ticket.updated_at for change in changes if change.ticket.updated_at]
    assert stamps == sorted(stamps)
    cursors = list(dict.fromkeys(change.cursor for change in changes))
    assert len(cursors) > 1, "the harness must make pages small enough for five tickets to span two cursors"
    middle = cursors[len(cursors) // 2 - 1]
    after = [change.ticket.ref for change in changes][max(i for i, c in enumerate(changes) if c.cursor == middle) + 1:]
    assert [change.ticket.ref for change in harness.connector().fetch_changes(middle)] == after


def test_a_write_lands_once_and_its_checked_retries_even_after_a_restart_find_it(harness: HelpdeskHarness) -> None:
    ref = harness.create_ticket("export to Excel")
    write = TicketWrite(ref, Patch(comment="Your wish W-1 is registered.", tags_add=("wish_registered",)),
                        "stage:registered:g1:e0:t1")
    connector = harness.connector()

    first = connector.apply([write])
    again = connector.apply([replace(write, check=True)])
    restarted = harness.connector().apply([replace(write, check=True)])

    assert first == again == restarted == {write.key: None}
    assert harness.comments(ref).count("Your wish W-1 is registered.") == 1


def test_a_checked_write_that_never_landed_is_written_and_the_same_text_under_a_new_key_is_sent_again(
        harness: HelpdeskHarness) -> None:
    ref = harness.create_ticket("dark mode")
    patch = Patch(comment="Your wish W-2 is planned.")
    connector = harness.connector()

    assert connector.apply([TicketWrite(ref, patch, "stage:planned:g2:e0:t1", check=True)]) == {
        "stage:planned:g2:e0:t1": None}
    assert connector.apply([TicketWrite(ref, patch, "stage:planned:g2:e1:t1")]) == {"stage:planned:g2:e1:t1": None}
    assert harness.comments(ref).count("Your wish W-2 is planned.") == 2


def test_a_genuine_webhook_parses_and_a_tampered_or_bare_one_is_refused(harness: HelpdeskHarness) -> None:
    ref = harness.create_ticket("webhook")
    connector = harness.connector()

    events = connector.parse_webhook(*harness.webhook(ref, genuine=True))
    assert events and events[0].ref == ref and events[0].delivery_id

    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.webhook(ref, genuine=False))
    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.bare(ref))
