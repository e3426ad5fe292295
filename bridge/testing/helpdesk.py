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
from datetime import UTC, datetime
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

    def reply(self, ref: TicketRef, text: str) -> None:
        """The ticket's requester writes a public reply in the vendor, later than everything on the ticket."""
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


def test_comments_after_a_moment_tell_the_requesters_reply_from_the_bridges_own_message(
        harness: HelpdeskHarness) -> None:
    ref = harness.create_ticket("offline scanning")
    connector = harness.connector()
    write = TicketWrite(ref, Patch(comment="How many hours a day are you offline?"), "question:c1:g3:t1")
    assert connector.apply([write]) == {write.key: None}
    requester = connector.get_ticket(ref).requester
    assert requester is not None and requester.external_id

    so_far = harness.connector().comments(ref, datetime(1970, 1, 1, tzinfo=UTC))
    harness.reply(ref, "About four hours, in the cellar.")
    later = harness.connector().comments(ref, max(comment.created_at for comment in so_far))

    [ours] = [comment for comment in so_far if "How many hours" in comment.body]
    assert ours.public and ours.author_id != requester.external_id
    assert [(c.author_id, c.public, c.body.strip()) for c in later] == [
        (requester.external_id, True, "About four hours, in the cellar.")]
    assert later[0].id not in {comment.id for comment in so_far}


def test_a_genuine_webhook_parses_and_a_tampered_or_bare_one_is_refused(harness: HelpdeskHarness) -> None:
    ref = harness.create_ticket("webhook")
    connector = harness.connector()

    events = connector.parse_webhook(*harness.webhook(ref, genuine=True))
    assert events and events[0].ref == ref and events[0].delivery_id

    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.webhook(ref, genuine=False))
    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.bare(ref))
