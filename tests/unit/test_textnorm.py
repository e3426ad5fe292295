import pytest

from bridge.text.normalize import content_words, detect_language, normalize, stem, words


@pytest.mark.parametrize(
    "forms",
    [
        ("отчёт", "отчеты", "отчетов", "отчета"),
        ("выгрузка", "выгрузку", "выгрузки"),
        ("агрегация", "агрегации", "агрегацию"),
    ],
)
def test_russian_forms_of_one_word_share_a_stem(forms):
    assert len({stem(normalize(form)) for form in forms}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ("export", "exports", "exported", "exporting"),
        ("aggregation", "aggregate", "aggregating"),
        ("report", "reports", "reporting"),
    ],
)
def test_english_forms_of_one_word_share_a_stem(forms):
    assert len({stem(form) for form in forms}) == 1


def tokens(text: str) -> list[str]:
    """What the lexical score indexes: the stems of the content words, in order."""
    return [stem(word) for word in content_words(text)]


def test_a_russian_verb_and_its_noun_may_keep_different_stems_which_char_ngrams_bridge():
    assert stem("агрегировать") != stem("агрегация")
    assert stem("агрегировать")[:5] == stem("агрегация")[:5]


def test_yo_is_folded_into_ye():
    assert tokens("Отчёт ещё не готов") == tokens("отчет еще не готов")


def test_stop_words_are_dropped_in_both_languages():
    assert tokens("Please add the export of reports to Excel") == ["add", "export", "report", "excel"]
    assert tokens("Добавьте, пожалуйста, выгрузку отчётов в Excel") == ["добавьт", "выгрузк", "отчет", "excel"]


def test_negations_and_question_words_are_kept_because_they_change_the_request():
    assert {"not", stem("why")} <= set(tokens("Why is my card not working"))
    assert "не" in tokens("Отчёт не выгружается")


def test_each_word_is_stemmed_by_its_own_script_in_mixed_text():
    assert tokens("Выгрузка reports в Excel") == ["выгрузк", "report", "excel"]


def test_words_keep_digits_and_inner_apostrophes_and_drop_punctuation():
    assert words("Can't open 2FA-settings, v2.1!") == ["can't", "open", "2fa", "settings", "v2", "1"]


def test_content_words_are_lower_case_words_without_stop_words():
    assert content_words("The REPORT is empty") == ["report", "empty"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Сделайте выгрузку отчетов в Excel", "ru"),
        ("Please add dark mode to the app", "en"),
        ("Нужна интеграция с Jira", "ru"),
        ("Export to 1С please", "en"),
        ("12345 !!!", "en"),
        ("", "en"),
    ],
)
def test_language_is_the_script_with_more_letters(text, language):
    assert detect_language(text) == language
