"""Which words a reader of each language gets: titles and reasons, and when they are foreign to the reader."""

from __future__ import annotations

import pytest

from bridge.outbox.wording import Reason, Wording, title_in
from bridge.text.normalize import written_in
from bridge.text.reasons import reason_of_resolution


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Выгрузка отчётов в Excel", "ru", True),    # Latin product names are usual in Russian text
    ("Выгрузка отчётов в Excel", "en", False),
    ("Export to 1С", "en", True),                 # one Cyrillic letter does not make it Russian
    ("Export reports to Excel", "ru", False),
    ("2.4.1", "ru", True),                        # no letters: any language
])
def test_a_text_reads_as_a_language(text: str, language: str, expected: bool) -> None:
    assert written_in(text, language) is expected


def test_a_title_written_for_the_language_wins_and_an_own_title_in_another_language_is_foreign() -> None:
    titles = {"en": "Export reports to Excel"}
    assert title_in(titles, "Выгрузка в эксель", "en") == Wording("Export reports to Excel")
    assert title_in(titles, "Выгрузка в эксель", "ru") == Wording("Выгрузка в эксель")
    assert title_in({}, "Выгрузка в эксель", "en") == Wording("Выгрузка в эксель", foreign=True)


def test_a_reason_is_its_standard_words_then_the_words_written_for_the_language() -> None:
    reason = Reason("later", {"ru": "сначала модуль отчётов"})
    assert reason.in_language("ru") == Wording("мы планируем вернуться к нему позже — сначала модуль отчётов")
    assert reason.in_language("en") == Wording("we plan to return to it later — сначала модуль отчётов", foreign=True)
    assert Reason("legal").in_language("en") == Wording("legal constraints do not allow it")
    assert Reason.of(reason.as_json()) == reason


def test_words_of_unknown_language_reach_only_readers_of_their_language() -> None:
    reason = Reason.of("Won't Fix, sorry")
    assert reason.in_language("en") == Wording("Won't Fix, sorry")
    assert reason.in_language("ru").foreign
    assert reason.with_texts({"ru": "не будем исправлять"}).in_language("ru") == Wording("не будем исправлять")
    assert not Reason.of("  ")


@pytest.mark.parametrize(("resolution", "code"), [
    ("Won't Do", "wont_do"), ("wontFix", "wont_do"), ("Duplicate", "duplicate"), ("later", "later"),
    ("Не будет исправлено", "wont_do"), ("Cannot Reproduce", None), (None, None),
])
def test_tracker_resolutions_name_standard_reasons(resolution: str | None, code: str | None) -> None:
    assert reason_of_resolution(resolution) == code


def test_an_unknown_standard_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown standard reason 'because'"):
        Reason("because")
