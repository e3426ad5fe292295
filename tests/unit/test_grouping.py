import pytest

from bridge.grouping import similarity as grouping
from bridge.grouping.similarity import Decision, GroupIndex, GroupingPolicy, WishDoc
from bridge.grouping.twins import template_twins

OTHERS = [
    ("dark-ru", "Тёмная тема в мобильном приложении"),
    ("jira", "Интеграция с Jira для задач"),
    ("dark-en", "Dark mode in the mobile app"),
    ("sso", "Single sign-on with Google accounts"),
    ("overdue", "Уведомления о просроченных счетах по почте"),
]
PAIRS = {
    "ru": ("Агрегация данных по всем клиентам в одном отчёте", "Агрегировать данные клиентов в отчете"),
    "en": ("Aggregation of customer data in one report", "Aggregate the customers data into reports"),
}
OPEN = GroupingPolicy(auto_join=1.0, suggest_min=0.0)


def index_with(
    text: str,
    policy: GroupingPolicy = OPEN,
    category: str | None = None,
    subcategory: str | None = None,
    tags: frozenset[str] = frozenset(),
) -> GroupIndex:
    index = GroupIndex(policy)
    index.add(WishDoc("target", text, category, subcategory, tags), "target-group")
    for doc_id, other in OTHERS:
        index.add(WishDoc(doc_id, other), f"group-{doc_id}")
    return index


def best_score(text: str, query: str) -> float:
    return index_with(text).suggest(WishDoc("q", query))[0].score


@pytest.mark.parametrize("language", ["ru", "en"])
def test_other_forms_of_the_same_words_find_the_group_first(language):
    text, query = PAIRS[language]
    suggestions = index_with(text).suggest(WishDoc("q", query))
    assert suggestions[0].group_id == "target-group"
    assert suggestions[0].text_score > 0.4
    assert all(s.score < 0.1 for s in suggestions[1:])


def test_a_verb_finds_its_noun_through_character_ngrams_where_stems_differ():
    suggestions = index_with("Агрегация платежей").suggest(WishDoc("q", "агрегировать"))
    assert suggestions[0].group_id == "target-group"
    assert suggestions[0].text_score > 0.1


def test_mixed_russian_and_english_text_finds_the_wish_sharing_its_words():
    suggestions = index_with("Выгрузка reports в Excel").suggest(WishDoc("q", "Выгрузка отчётов и reports в Excel"))
    assert suggestions[0].group_id == "target-group"
    assert suggestions[0].text_score > 0.6


def test_a_wish_differing_only_in_case_yo_and_punctuation_joins_under_the_default_policy():
    index = index_with("Добавьте выгрузку отчётов в Excel!", GroupingPolicy())
    assert index.decide(WishDoc("q", "добавьте выгрузку отчетов в excel")).join == "target-group"


def test_a_paraphrase_is_only_suggested_even_under_a_low_auto_join():
    text, query = PAIRS["ru"]
    decision = index_with(text, GroupingPolicy(auto_join=0.2, suggest_min=0.1)).decide(WishDoc("q", query))
    assert decision.join is None
    assert decision.suggestions[0].group_id == "target-group"


REPEATS = {
    "ru": ("Агрегация данных по всем клиентам в одном отчёте",
           "Агрегация данных по всем клиентам в одном отчете, срочно"),
    "en": ("Aggregation of customer data in one report",
           "Please: aggregation of the customer data in one report, urgently"),
}


def lexical_score(text: str, query: str) -> float:
    decision = index_with(text, GroupingPolicy(auto_join=0.0, suggest_min=0.0)).decide(WishDoc("q", query))
    assert decision.join == "target-group" and decision.join_score is not None
    return decision.join_score


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_wish_filed_again_joins_at_and_above_auto_join(language):
    text, query = REPEATS[language]
    score = lexical_score(text, query)
    for auto_join in (score, score - 0.01):
        decision = index_with(text, GroupingPolicy(auto_join=auto_join, suggest_min=0.1)).decide(WishDoc("q", query))
        assert (decision.join, decision.join_score) == ("target-group", pytest.approx(score))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_wish_filed_again_just_below_auto_join_is_only_suggested(language):
    text, query = REPEATS[language]
    score = lexical_score(text, query)
    decision = index_with(text, GroupingPolicy(auto_join=score + 0.01, suggest_min=0.1)).decide(WishDoc("q", query))
    assert decision.join is None
    assert [s.group_id for s in decision.suggestions] == ["target-group"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_score_below_suggest_min_is_neither_joined_nor_suggested(language):
    text, query = PAIRS[language]
    score = best_score(text, query)
    policy = GroupingPolicy(auto_join=score + 0.02, suggest_min=score + 0.01)
    assert index_with(text, policy).decide(WishDoc("q", query)) == Decision(join=None, suggestions=())


@pytest.mark.parametrize(("text", "twin"), [
    ("Crash when saving a document in Writer 3.2", "Crash when saving a document in Writer 3.3"),
    ("Build fails on branch release-5.1", "Build fails on branch release-5.2"),
    ("Crash when saving a document in Writer", "Crash when saving a document in Calc"),
    ("Выгрузка отчёта в Excel по расписанию", "Выгрузка отчёта в PDF по расписанию"),
    ("Limit of 100 users per account", "Limit of 500 users per account"),
])
def test_a_template_twin_is_never_joined_however_alike_it_reads(text, twin):
    decision = index_with(text, GroupingPolicy(auto_join=0.5, suggest_min=0.1)).decide(WishDoc("q", twin))
    assert template_twins(text, twin)
    assert decision.join is None
    assert decision.suggestions[0].group_id == "target-group"


@pytest.mark.parametrize(("text", "again"), [
    ("Crash when saving a document in Writer 3.2", "crash when saving a document in writer 3.2!!"),
    ("Export the sales report to Excel", "Please export the sales reports to Exel every day"),
    ("Выгрузка отчёта в Excel по расписанию", "Выгрузка отчетов в Excel по расписанию, очень нужно"),
])
def test_a_request_filed_twice_with_words_added_or_mistyped_is_no_template_twin(text, again):
    assert not template_twins(text, again)


def test_a_repeat_filed_under_another_category_is_not_joined():
    text, query = REPEATS["en"]
    index = index_with(text, GroupingPolicy(auto_join=0.5, suggest_min=0.1), category="reports")
    assert index.decide(WishDoc("q", query, category="billing")).join is None
    assert index.decide(WishDoc("q", query, category="reports")).join == "target-group"


def test_excluded_groups_are_neither_suggested_nor_joined():
    text, query = REPEATS["en"]
    index = index_with(text, GroupingPolicy(auto_join=0.5, suggest_min=0.0))
    decision = index.decide(WishDoc("q", query), exclude=["target-group"])
    assert decision.join is None
    assert "target-group" not in {s.group_id for s in decision.suggestions}


def test_suggestions_are_best_first_and_at_most_k():
    index = GroupIndex(OPEN)
    for number, text in enumerate(["export reports", "export reports to excel", "export reports to excel daily"]):
        index.add(WishDoc(str(number), text), f"g{number}")
    suggestions = index.suggest(WishDoc("q", "export reports to excel daily"), k=2)
    assert [s.group_id for s in suggestions] == ["g2", "g1"]
    assert suggestions[0].score >= suggestions[1].score


def test_a_group_scores_as_its_best_member():
    index = GroupIndex(OPEN)
    index.add(WishDoc("1", "dark mode"), "g")
    index.add(WishDoc("2", "single sign-on with google"), "g")
    index.add(WishDoc("3", "notifications by email"), "other")
    assert index.suggest(WishDoc("q", "dark mode"))[0].text_score == pytest.approx(1.0)


def test_wishes_without_a_common_word_are_never_suggested():
    index = index_with("Dark mode in the mobile app")
    assert index.suggest(WishDoc("q", "Печать этикеток на складе")) == []


def test_the_same_category_and_subcategory_raise_the_score_and_another_category_lowers_it():
    text, query = PAIRS["en"]
    index = index_with(text, category="reports", subcategory="export")
    unknown = index.suggest(WishDoc("q", query))[0]
    same = index.suggest(WishDoc("q", query, category="reports", subcategory="export"))[0]
    same_category = index.suggest(WishDoc("q", query, category="reports", subcategory="import"))[0]
    other = index.suggest(WishDoc("q", query, category="billing"))[0]
    assert unknown.score == unknown.text_score and unknown.marking_score == 0.0
    assert same.marking_score == 1.0
    assert other.marking_score == 0.0
    assert same_category.marking_score == pytest.approx(0.5 / 0.75)
    assert same.score > unknown.score > other.score
    assert same.score > same_category.score > other.score
    assert same.text_score == other.text_score == unknown.text_score


def test_shared_tags_count_by_their_jaccard_share():
    text, query = PAIRS["en"]
    index = index_with(text, tags=frozenset({"excel", "reports"}))
    half = index.suggest(WishDoc("q", query, tags=frozenset({"excel", "pdf", "reports"})))[0]
    assert half.marking_score == pytest.approx(2 / 3)


def test_combined_score_is_the_weighted_mix_of_text_and_marking():
    policy = GroupingPolicy(auto_join=1.0, suggest_min=0.0, text_weight=0.6, marking_weight=0.2)
    text, query = PAIRS["en"]
    found = index_with(text, policy, category="reports").suggest(WishDoc("q", query, category="reports"))[0]
    assert found.score == pytest.approx((0.6 * found.text_score + 0.2 * 1.0) / 0.8)


def test_an_added_wish_is_found_and_its_id_cannot_be_added_twice():
    index = index_with("Dark mode everywhere")
    index.add(WishDoc("new", "Export invoices to PDF"), "pdf")
    assert index.suggest(WishDoc("q", "export invoices to pdf"))[0].group_id == "pdf"
    assert "new" in index and len(index) == len(OTHERS) + 2
    with pytest.raises(ValueError, match="already indexed"):
        index.add(WishDoc("new", "anything"), "pdf")


def test_a_removed_wish_is_no_longer_suggested():
    index = index_with("Export invoices to PDF")
    index.remove("target")
    assert "target" not in index
    assert all(s.group_id != "target-group" for s in index.suggest(WishDoc("q", "export invoices to pdf")))
    with pytest.raises(KeyError):
        index.remove("target")


def test_a_moved_wish_is_suggested_under_its_new_group():
    index = index_with("Export invoices to PDF")
    index.move("target", "group-dark-en")
    assert index.group_of("target") == "group-dark-en"
    assert index.suggest(WishDoc("q", "export invoices to pdf"))[0].group_id == "group-dark-en"
    with pytest.raises(KeyError):
        index.move("missing", "x")


def test_removing_most_wishes_keeps_the_rest_findable():
    index = GroupIndex(OPEN)
    for number in range(300):
        index.add(WishDoc(str(number), f"wish word{number} topic{number % 7}"), f"g{number}")
    for number in range(250):
        index.remove(str(number))
    assert len(index) == 50
    assert index.suggest(WishDoc("q", "word280"))[0].group_id == "g280"
    assert "g10" not in {s.group_id for s in index.suggest(WishDoc("q", "word10"))}


def test_an_identical_text_scores_one_however_the_index_grew():
    index = GroupIndex(OPEN)
    for number in range(37):
        index.add(WishDoc(str(number), f"feature {number} request {number * 7}"), str(number))
        assert index.suggest(WishDoc("q", f"feature {number} request {number * 7}"))[0].score == pytest.approx(1.0)


def test_policy_rejects_inconsistent_values():
    with pytest.raises(ValueError):
        GroupingPolicy(auto_join=0.5, suggest_min=0.6)
    with pytest.raises(ValueError):
        GroupingPolicy(auto_join=1.5)
    with pytest.raises(ValueError):
        GroupingPolicy(text_weight=0.0, marking_weight=0.0)


def test_identical_texts_join_even_when_auto_join_is_one():
    policy = GroupingPolicy(auto_join=1.0, suggest_min=0.5)
    text, copy = "Добавьте выгрузку отчётов в Excel, и побыстрее", "добавьте выгрузку отчетов в excel и побыстрее"
    assert index_with(text, policy).decide(WishDoc("q", copy)).join == "target-group"


def test_a_large_index_read_by_columns_scores_exactly_as_one_read_by_rows(monkeypatch):
    texts = [f"feature {number} request {number * 7} area{number % 13}" for number in range(2300)]

    def built() -> GroupIndex:
        index = GroupIndex(OPEN)
        index.add_many([(WishDoc(str(n), text), f"g{n}") for n, text in enumerate(texts)])
        for number in range(0, 400, 2):
            index.remove(str(number))
        return index

    by_columns = built()
    monkeypatch.setattr(grouping, "_COLUMN_ROWS", 10**9)
    by_rows = built()
    assert {chunk.format for chunk in by_columns._chunks} == {"csc", "csr"}
    assert {chunk.format for chunk in by_rows._chunks} == {"csr"}
    for query in ("feature 1001 request 7007 area0", "request area5", "feature 2299", "feature 10"):
        assert by_columns.suggest(WishDoc("q", query), 5) == by_rows.suggest(WishDoc("q", query), 5)


BATCH_TEXTS = [
    "Нужна выгрузка остатков в Excel", "Нужна выгрузка остатков в Excel, срочно",
    "Export stock levels to Excel", "Export stock levels to Excel please",
    "Webhook for shipment statuses in version 2", "Webhook for shipment statuses in version 3",
    "Агрегация коробов в ТСД", "", "Bulk code ordering",
]


def sequence_of_wishes(count: int, seed: int) -> list[WishDoc]:
    import random
    rng = random.Random(seed)
    return [WishDoc(f"w{n}", rng.choice(BATCH_TEXTS), rng.choice([None, "reports", "marking"]),
                    None, frozenset(rng.sample(["vip", "api", "mobile"], rng.randint(0, 1))))
            for n in range(count)]


@pytest.mark.parametrize("seed", [1, 2])
def test_placing_a_batch_decides_and_groups_exactly_as_one_wish_at_a_time(seed):
    """Through several idf refreshes (the index doubles from empty), with removals in between, with exact
    repeats, repeats under another category and template twins (version 2 against version 3)."""
    policy = GroupingPolicy(auto_join=0.9)
    one_by_one, batched = GroupIndex(policy), GroupIndex(policy)
    wishes = sequence_of_wishes(700, seed)
    expected = []
    for n, doc in enumerate(wishes[:400]):
        decision = one_by_one.decide(doc, 0)
        one_by_one.add(doc, decision.join or f"g{n}")
        expected.append((decision.join, decision.join_score))
    placed = batched.place_many(wishes[:400], lambda n: f"g{n}")
    for index in (one_by_one, batched):
        for doc in wishes[:400:7]:
            index.remove(doc.id)
    for n, doc in enumerate(wishes[400:], start=400):
        decision = one_by_one.decide(doc, 0)
        one_by_one.add(doc, decision.join or f"g{n}")
        expected.append((decision.join, decision.join_score))
    placed += batched.place_many(wishes[400:], lambda n: f"g{400 + n}")
    assert [(d.join, d.join_score) for d in placed] == expected
    assert sum(1 for join, _ in expected if join) > 300
    assert one_by_one.members() == batched.members()


def test_a_renamed_group_takes_the_members_of_a_group_id_known_before():
    index = GroupIndex()
    index.add(WishDoc("old", "Export stock levels to Excel"), "2")
    index.remove("old")
    index.place_many([WishDoc("new:0", "Export stock levels to Excel")], lambda n: f"new:{n}")
    index.rename({"new:0": "5"}, {"new:0": "2"})
    assert index.group_of("5") == "2" and index.members_of("2") == ["5"]
    assert "new:0" not in index
