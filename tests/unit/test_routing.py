import shutil
from pathlib import Path

import pytest

from bridge.mapping import check_mappings, load_mappings
from bridge.workflow.routing import RoutingRules, route_for

ROOT = Path(__file__).resolve().parents[2]
RULES = RoutingRules.from_data({
    "default": "analyst",
    "rules": [
        {"name": "edo", "queue": "legal", "categories": ["edo"], "subcategories": ["withdrawal"],
         "tags": ["Legal"]},
        {"name": "legislation", "queue": "legal", "keywords": ["закон", "ФЗ", "постановление", "law",
                                                               "regulation", "data protection act"]},
        {"name": "everything else about reports", "queue": "analyst", "keywords": ["закон"]},
    ],
})


@pytest.mark.parametrize("text", [
    "Нужно учесть требования закона о маркировке",
    "Поддержите изменения по новому Постановлению правительства №1234",
    "Приведите выгрузку в соответствие с 152-ФЗ",
    "Please support the new EU regulations on invoices",
    "Our lawyers say the law requires a signature",
])
def test_given_a_legislation_word_in_any_form_when_routed_then_it_goes_to_legal(text):
    queue, rule = route_for(text, RULES)
    assert (queue, rule.name if rule else None) == ("legal", "legislation")


@pytest.mark.parametrize("text", [
    "Добавьте выгрузку отчёта в Excel",
    "Mow the lawn in the dashboard screenshot",
    "Законодательные новости в рассылке",
    "A protection act for the data",
])
def test_given_no_legal_sign_when_routed_then_the_default_queue_and_no_rule(text):
    assert route_for(text, RULES) == ("analyst", None)


@pytest.mark.parametrize("marking", [
    {"category": "edo"}, {"subcategory": "withdrawal"}, {"tags": ["LEGAL", "vip"]},
])
def test_given_a_matching_category_subcategory_or_tag_then_the_rule_applies_without_keywords(marking):
    queue, rule = route_for("Сделайте кнопку побольше", RULES, **marking)
    assert (queue, rule.name if rule else None) == ("legal", "edo")


def test_the_first_matching_rule_wins_over_later_ones():
    _, rule = route_for("закон", RULES, category="edo")
    assert rule is not None and rule.name == "edo"


def test_a_keyword_of_several_words_matches_those_words_in_a_row():
    assert route_for("Comply with the Data Protection Act", RULES)[0] == "legal"


def test_the_shipped_rules_send_legislation_to_legal_and_the_rest_to_the_analyst():
    rules = RoutingRules.from_data(load_mappings(ROOT / "mappings").get("routing"))
    assert route_for("Просим поддержать изменения закона об ЭДО", rules)[0] == "legal"
    assert route_for("Добавьте тёмную тему", rules) == ("analyst", None)


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", target)
    return target


def at(path: Path, fragment: str) -> str:
    """'line:column' of the first place `fragment` appears in the file (both 1-based)."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if fragment in line:
            return f"{number}:{line.index(fragment) + 1}"
    raise AssertionError(fragment)


def routing_issues(directory: Path) -> list[str]:
    return [str(i) for i in check_mappings(directory)[1] if i.path.endswith("routing.yaml")]


def test_the_check_names_an_unknown_queue_at_its_line(mappings_dir):
    path = mappings_dir / "routing.yaml"
    path.write_text("default: analyst\nrules:\n  - queue: legal\n    keywords: [закон]\n  - queue: lawyer\n")
    assert routing_issues(mappings_dir) == [
        f"{path}:{at(path, 'queue: lawyer')}: rules[1].queue: 'lawyer' is not one of 'analyst', 'legal'"]


def test_the_check_names_unknown_topics_and_empty_keywords_at_their_lines(mappings_dir):
    path = mappings_dir / "routing.yaml"
    path.write_text("rules:\n  - queue: legal\n    categories: [edo, taxes]\n"
                    "    subcategories: [roaming, nowhere]\n    keywords: [закон, —]\n")
    assert routing_issues(mappings_dir) == [
        f"{path}:{at(path, 'taxes')}: rules[0].categories[1]: unknown category 'taxes' (known: marking, reports, "
        "integrations, edo, billing, mobile)",
        f"{path}:{at(path, 'nowhere')}: rules[0].subcategories[1]: unknown subcategory 'nowhere'",
        f"{path}:{at(path, '—')}: rules[0].keywords[1]: keyword '—' has no letters",
    ]
