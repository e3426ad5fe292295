"""What customers read, in their own language: the group's title per language, a decision's reason per language
(standard reasons written in both), tracker resolutions mapped to standard reasons, and messages that would carry
text in another language held until the product manager translates them or sends them as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bridge.errors import WorkflowError
from bridge.mapping import load_mappings
from bridge.model import IssueState
from bridge.outbox.wording import Reason
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.store.schema import wish_groups
from bridge.tracker.status import observe
from bridge.workflow import decisions, languages, lifecycle
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk
from tests.flows.language_helpers import a_group, comment_of, send
from tests.jira_helpers import link_epic

ENGLISH_FROM_A_RUSSIAN_AGENT = ("en", "Выгрузка отчётов в Excel")   # an agent attached the ticket to a Russian wish
RUSSIAN = ("ru", "Хотим выгружать отчёты в эксель")


@pytest.fixture(scope="module")
def mappings():
    return load_mappings(MAPPINGS)


def states(engine) -> dict[str, str]:
    """Each ticket's message state, by external id."""
    with engine.connect() as conn:
        return {item["payload"]["external_id"]: item["state"] for item in outbox.items(conn)}


def test_an_english_customer_reads_the_english_title_and_a_russian_one_the_russian(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, [ENGLISH_FROM_A_RUSSIAN_AGENT, RUSSIAN])
        languages.translate(conn, mappings, group, "pm", titles={"en": "Export reports to Excel",
                                                                 "ru": "Экспорт отчётов в Excel"})
        lifecycle.route(conn, mappings, group, "analyst", "pm")
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 2
    assert comment_of(desk, f"{group}-0") == 'Your wish "Export reports to Excel" is being analysed.'
    assert comment_of(desk, f"{group}-1") == "Ваше пожелание «Экспорт отчётов в Excel» взято в анализ."


def test_without_a_title_in_their_language_a_message_waits_and_goes_out_once_the_title_is_written(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, [ENGLISH_FROM_A_RUSSIAN_AGENT, RUSSIAN])
        lifecycle.route(conn, mappings, group, "analyst", "pm")
    assert states(engine) == {f"{group}-0": "held", f"{group}-1": "pending"}
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 1
    assert comment_of(desk, f"{group}-1") == "Ваше пожелание «Хотим выгружать отчёты в эксель» взято в анализ."
    with engine.connect() as conn:
        [held] = languages.group_words(conn, group).held
    assert (held.stage, held.language, held.foreign, held.count) == ("in_analysis", "en", ("wish_title",), 1)
    assert held.text == 'Your wish "Выгрузка отчётов в Excel" is being analysed.'   # what "as is" would send

    with engine.begin() as conn:
        assert languages.translate(conn, mappings, group, "pm", titles={"en": "Export reports to Excel"}) == 1
    assert send(engine, desk).done == 1
    assert comment_of(desk, f"{group}-0") == 'Your wish "Export reports to Excel" is being analysed.'
    with engine.connect() as conn:
        assert trail(conn, "group", group)[-1]["details"] == {"title_en": "Export reports to Excel"}


def test_held_messages_go_out_as_they_are_only_when_the_product_manager_says_so(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, [ENGLISH_FROM_A_RUSSIAN_AGENT])
        lifecycle.route(conn, mappings, group, "analyst", "pm")
    desk = MemoryHelpdesk()
    assert send(engine, desk).handled == 0
    with engine.begin() as conn:
        with pytest.raises(WorkflowError, match="no held messages in 'ru'"):
            languages.send_as_is(conn, group, "ru", "pm")
        assert languages.send_as_is(conn, group, "en", "pm") == 1
    assert send(engine, desk).done == 1
    assert comment_of(desk, f"{group}-0") == 'Your wish "Выгрузка отчётов в Excel" is being analysed.'


def test_a_standard_reason_is_written_in_each_customers_own_language(engine, mappings):
    english = ("en", "Export reports to Excel")
    with engine.begin() as conn:
        group = a_group(conn, [english, RUSSIAN])
        decisions.refuse(conn, mappings, group, "decline", "pm", Reason("out_of_scope"))
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 2
    assert comment_of(desk, f"{group}-0") == ('Unfortunately your wish "Export reports to Excel" was declined. '
                                              "Reason: it is outside the scope of our product")
    assert comment_of(desk, f"{group}-1") == ("К сожалению, пожелание «Хотим выгружать отчёты в эксель» отклонено. "
                                              "Причина: это выходит за рамки нашего продукта")


def test_a_reason_written_only_in_russian_waits_for_english_readers_unless_sent_as_it_is(engine, mappings):
    english = ("en", "Export reports to Excel")
    reason = Reason("later", {"ru": "сначала перепишем модуль отчётов"})
    with engine.begin() as conn:
        first = a_group(conn, [english, RUSSIAN])
        second = a_group(conn, [english, RUSSIAN])
        decisions.refuse(conn, mappings, first, "defer", "pm", reason)
        decisions.refuse(conn, mappings, second, "defer", "pm", reason, as_is={"en"})
    assert states(engine) == {f"{first}-0": "held", f"{first}-1": "pending", f"{second}-0": "pending",
                              f"{second}-1": "pending"}
    desk = MemoryHelpdesk()
    send(engine, desk)
    assert "Reason: we plan to return to it later — сначала перепишем модуль отчётов." in \
        comment_of(desk, f"{second}-0")
    assert "Причина: мы планируем вернуться к нему позже — сначала перепишем модуль отчётов." in \
        comment_of(desk, f"{first}-1")
    with engine.begin() as conn:   # the English words arrive: the held message goes out with them
        assert languages.translate(conn, mappings, first, "pm", reasons={"en": "the reports module comes first"}) == 1
        reasons = conn.execute(select(wish_groups.c.reasons).where(wish_groups.c.id == first)).scalar_one()
    assert reasons["texts"] == {"ru": "сначала перепишем модуль отчётов", "en": "the reports module comes first"}
    send(engine, desk)
    assert "Reason: we plan to return to it later — the reports module comes first." in comment_of(desk, f"{first}-0")


@pytest.mark.parametrize(("resolution", "english", "russian"), [
    ("Won't Do", "Reason: we have decided not to implement it", "Причина: мы решили не реализовывать эту возможность"),
    ("Duplicate", "Reason: the same request is already being handled as another wish",
     "Причина: такое же пожелание уже рассматривается под другим номером"),
])
def test_a_known_tracker_resolution_reaches_each_customer_as_a_standard_reason(engine, mappings, resolution,
                                                                              english, russian):
    with engine.begin() as conn:
        group = a_group(conn, [("en", "Export reports to Excel"), RUSSIAN], state="approved")
        link_epic(conn, group, "WISH-7")
        assert observe(conn, mappings, "jira", IssueState("WISH-7", "Done", "done", resolution))
        assert conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == group)).scalar_one() == "declined"
    desk = MemoryHelpdesk()
    assert send(engine, desk).done == 2
    assert comment_of(desk, f"{group}-0").endswith(english)
    assert comment_of(desk, f"{group}-1").endswith(russian)
    assert resolution not in comment_of(desk, f"{group}-1")


def test_an_unknown_tracker_resolution_is_never_pasted_into_a_message_in_another_language(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, [("en", "Export reports to Excel"), RUSSIAN], state="approved")
        link_epic(conn, group, "WISH-8")
        observe(conn, mappings, "jira", IssueState("WISH-8", "Done", "done", "Cannot Reproduce"))
    assert states(engine) == {f"{group}-0": "pending", f"{group}-1": "held"}
    desk = MemoryHelpdesk()
    send(engine, desk)
    assert comment_of(desk, f"{group}-0").endswith("Reason: Cannot Reproduce")
    assert f"{group}-1" not in desk.messages
    with engine.begin() as conn:
        assert languages.translate(conn, mappings, group, "pm", reasons={"ru": "не удалось воспроизвести"}) == 1
    send(engine, desk)
    assert comment_of(desk, f"{group}-1").endswith("Причина: не удалось воспроизвести")


def test_translations_name_known_languages_and_need_something_new(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, [RUSSIAN])
        with pytest.raises(WorkflowError, match="unknown language de"):
            languages.translate(conn, mappings, group, "pm", titles={"de": "Berichte nach Excel"})
        with pytest.raises(WorkflowError, match="no reason to translate"):
            languages.translate(conn, mappings, group, "pm", reasons={"en": "later"})
        languages.translate(conn, mappings, group, "pm", titles={"en": "Export reports to Excel"})
        with pytest.raises(WorkflowError, match="nothing new"):
            languages.translate(conn, mappings, group, "pm", titles={"en": "Export reports to Excel", "ru": " "})
