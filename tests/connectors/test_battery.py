"""One battery every installed helpdesk connector must pass, built-in or third-party. A connector with no
harness in tests/connectors/harnesses.py fails here on purpose."""

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bridge.errors import InvalidSignature
from bridge.model import Patch, TicketWrite
from bridge.ports import Helpdesk as Connector
from bridge.registry import connector_class, known_sources
from tests.connectors.harnesses import HARNESSES, Harness

HELPDESKS = [name for name in known_sources() if connector_class(name).role == "helpdesk"]


@pytest.fixture(params=HELPDESKS)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(name: str) -> Iterator[Harness]:
    factory = HARNESSES.get(name)
    if factory is None:
        pytest.fail(f"helpdesk connector '{name}' is installed but tests/connectors/harnesses.py has no harness "
                    "for it: add one so it runs this battery")
    with factory() as made:
        yield made


def test_it_satisfies_the_connector_interface_and_declares_its_name_and_role(name, harness):
    connector = harness.connector()
    assert isinstance(connector, Connector)
    assert (type(connector).name, type(connector).role) == (name, "helpdesk")


def test_changes_come_oldest_first_and_resume_after_a_mid_stream_cursor(harness):
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


def test_a_write_lands_once_and_its_checked_retries_even_after_a_restart_find_it(harness):
    ref = harness.create_ticket("export to Excel")
    write = TicketWrite(ref, Patch(comment="Your wish W-1 is registered.", tags_add=("wish_registered",)),
                        "stage:registered:g1:e0:t1")
    connector = harness.connector()

    first = connector.apply([write])
    again = connector.apply([replace(write, check=True)])
    restarted = harness.connector().apply([replace(write, check=True)])

    assert first == again == restarted == {write.key: None}
    assert harness.comments(ref).count("Your wish W-1 is registered.") == 1


def test_a_checked_write_that_never_landed_is_written_and_the_same_text_under_a_new_key_is_sent_again(harness):
    ref = harness.create_ticket("dark mode")
    patch = Patch(comment="Your wish W-2 is planned.")
    connector = harness.connector()

    assert connector.apply([TicketWrite(ref, patch, "stage:planned:g2:e0:t1", check=True)]) == {
        "stage:planned:g2:e0:t1": None}
    assert connector.apply([TicketWrite(ref, patch, "stage:planned:g2:e1:t1")]) == {"stage:planned:g2:e1:t1": None}
    assert harness.comments(ref).count("Your wish W-2 is planned.") == 2


def test_a_genuine_webhook_parses_and_a_tampered_or_bare_one_is_refused(harness):
    ref = harness.create_ticket("webhook")
    connector = harness.connector()

    events = connector.parse_webhook(*harness.webhook(ref, genuine=True))
    assert events and events[0].ref == ref and events[0].delivery_id

    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*harness.webhook(ref, genuine=False))
    with pytest.raises(InvalidSignature):
        connector.parse_webhook({"Content-Type": "application/json"}, harness.webhook(ref, genuine=True)[1])
