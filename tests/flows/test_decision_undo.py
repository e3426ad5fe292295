"""Declining and deferring without irreversible clicks: the preview is exactly what the outbox sends, nothing goes
out before the undo window closes, and undo withdraws the unsent messages and restores the group — never once a
worker has a message in hand, even when the two race."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bridge.errors import WorkflowError
from bridge.mapping import load_mappings
from bridge.outbox.wording import Reason
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.store.schema import wish_groups
from bridge.workflow import decisions, languages, lifecycle
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk
from tests.flows.language_helpers import a_group, comment_of, send

CUSTOMERS = [("en", "Export reports to Excel"), ("ru", "Выгрузка отчётов в Excel"), ("ru", "Экспорт в эксель"),
             ("en", "Excel export for finance")]
REASON = Reason("out_of_scope", {"en": "we focus on the web version", "ru": "мы развиваем веб-версию"})
WINDOW = timedelta(seconds=60)


@pytest.fixture(scope="module")
def mappings():
    return load_mappings(MAPPINGS)


def group_state(engine, group: int) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(wish_groups.c.state, wish_groups.c.reason).where(wish_groups.c.id == group)).one()
    return row.state, row.reason


def messages(engine, stage: str) -> list[dict]:
    with engine.connect() as conn:
        return [item for item in outbox.items(conn) if item["payload"]["stage"] == stage]


def test_the_preview_shows_per_language_exactly_the_messages_the_outbox_then_sends(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        shown = decisions.preview(conn, mappings, group, "decline", REASON, titles={"en": "Export reports to Excel",
                                                                                     "ru": "Экспорт отчётов в Excel"})
    assert [(line.language, line.tickets, line.foreign) for line in shown.lines] == [("en", 2, ()), ("ru", 2, ())]
    assert shown.lines[1].text == ("К сожалению, пожелание «Экспорт отчётов в Excel» отклонено. Причина: это выходит "
                                   "за рамки нашего продукта — мы развиваем веб-версию")
    with engine.begin() as conn:
        assert decisions.refuse(conn, mappings, group, "decline", "pm", REASON,
                                titles={"en": "Export reports to Excel", "ru": "Экспорт отчётов в Excel"}) == 4
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 4
    sent = Counter(text for comments in desk.messages.values() for text in comments)
    assert sent == Counter({line.text: line.tickets for line in shown.lines})


def test_a_preview_names_the_languages_whose_text_is_foreign_and_its_digest_follows_what_it_shows(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        russian_only = decisions.preview(conn, mappings, group, "defer", Reason(texts={"ru": "позже"}))
        both = decisions.preview(conn, mappings, group, "defer", Reason(texts={"ru": "позже", "en": "later"}))
    assert {line.language for line in russian_only.lines if line.foreign} == {"en"}
    assert russian_only.unconfirmed(as_is=()) == ["en"] and russian_only.unconfirmed(as_is={"en"}) == []
    assert both.unconfirmed(as_is=()) == []
    assert russian_only.digest != both.digest
    with engine.connect() as conn:
        again = decisions.preview(conn, mappings, group, "defer", Reason(texts={"ru": "позже"}))
    assert again.digest == russian_only.digest


def test_nothing_goes_out_before_the_undo_window_closes(engine, mappings):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        decisions.refuse(conn, mappings, group, "decline", "pm", REASON, as_is={"en", "ru"}, undo=WINDOW, now=now)
    assert send(engine, MemoryHelpdesk()).handled == 0
    with engine.begin() as conn:
        assert outbox.claim(conn, "w", now=now + WINDOW - timedelta(seconds=1)) == []
        assert len(outbox.claim(conn, "w", now=now + WINDOW + timedelta(seconds=1))) == 4
        assert decisions.undo_offer(conn, group, now=now + WINDOW) is None


def test_a_held_message_translated_within_the_undo_window_still_waits_for_it(engine, mappings):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        decisions.refuse(conn, mappings, group, "defer", "pm", Reason(texts={"ru": "позже"}), undo=WINDOW, now=now)
        assert languages.translate(conn, mappings, group, "pm", reasons={"en": "later"}) == 2
        assert outbox.claim(conn, "w", now=now + WINDOW - timedelta(seconds=1)) == []
        assert decisions.undo(conn, group, "pm", now=now) == 4


def test_undo_withdraws_the_unsent_messages_restores_the_group_and_a_second_decision_goes_out(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        lifecycle.route(conn, mappings, group, "analyst", "pm")
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 4   # the customers heard "in analysis"
    with engine.begin() as conn:
        decisions.refuse(conn, mappings, group, "decline", "pm", REASON, undo=WINDOW)
        offer = decisions.undo_offer(conn, group)
    assert offer is not None and offer.action == "decline"
    assert group_state(engine, group)[0] == "declined" and len(messages(engine, "declined")) == 4

    with engine.begin() as conn:
        assert decisions.undo(conn, group, "pm") == 4
        assert decisions.undo_offer(conn, group) is None
        undo_row = trail(conn, "group", group)[-1]
    assert group_state(engine, group) == ("in_analysis", None)
    assert messages(engine, "declined") == []
    assert (undo_row["action"], undo_row["details"]) == ("undo", {"undone": "decline", "previous_state": "declined",
                                                                  "withdrawn": 4})
    with engine.begin() as conn, pytest.raises(WorkflowError, match="no decision left to undo"):
        decisions.undo(conn, group, "pm")

    with engine.begin() as conn:   # declined again, for good this time: the same epoch tells them once
        decisions.refuse(conn, mappings, group, "decline", "pm", REASON)
    assert send(engine, desk).done == 4
    assert all(len(comments) == 2 for comments in desk.messages.values())


def test_undo_gives_back_the_waiting_messages_the_decision_had_replaced(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        lifecycle.route(conn, mappings, group, "analyst", "pm")   # not sent yet
        decisions.refuse(conn, mappings, group, "defer", "pm", REASON, undo=WINDOW)
    assert {item["state"] for item in messages(engine, "in_analysis")} == {"superseded"}
    with engine.begin() as conn:
        decisions.undo(conn, group, "pm")
    assert {item["state"] for item in messages(engine, "in_analysis")} == {"pending"}
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 4
    assert comment_of(desk, f"{group}-0") == 'Your wish "Export reports to Excel" is being analysed.'


def test_undo_is_refused_once_a_worker_has_claimed_a_message(engine, mappings):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        decisions.refuse(conn, mappings, group, "decline", "pm", REASON, undo=WINDOW, now=now)
        assert len(outbox.claim(conn, "w", limit=1, now=now + WINDOW)) == 1   # a worker whose clock runs ahead
    with pytest.raises(WorkflowError, match="too late to undo: 1 messages"), engine.begin() as conn:
        decisions.undo(conn, group, "pm", now=now)
    assert group_state(engine, group)[0] == "declined"
    assert Counter(item["state"] for item in messages(engine, "declined")) == Counter({"pending": 3, "claimed": 1})


def test_undo_racing_a_drain_either_withdraws_everything_or_nothing(engine, mappings):
    """The drain's claim holds its transaction open while undo runs: undo waits for it, sees a claimed message
    and takes nothing back."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        group = a_group(conn, CUSTOMERS)
        decisions.refuse(conn, mappings, group, "decline", "pm", REASON, undo=WINDOW, now=now)
    outcome: list[object] = []

    def undo_now() -> None:
        try:
            with engine.begin() as conn:
                outcome.append(decisions.undo(conn, group, "pm", now=now))
        except WorkflowError as error:
            outcome.append(error)

    with engine.begin() as drain_conn:
        claimed = outbox.claim(drain_conn, "w", now=now + WINDOW)
        racer = threading.Thread(target=undo_now)
        racer.start()
        racer.join(timeout=1)   # blocked on the claim's locks (PostgreSQL) or the one writer (SQLite)
    racer.join(timeout=30)
    assert len(claimed) == 4
    assert len(outcome) == 1 and isinstance(outcome[0], WorkflowError)
    assert group_state(engine, group)[0] == "declined"
    assert {item["state"] for item in messages(engine, "declined")} == {"claimed"}
