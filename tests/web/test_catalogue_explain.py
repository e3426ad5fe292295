"""The group page's explanations from the catalogue: audit details and score parts read in either language."""

from __future__ import annotations

from datetime import date

from bridge.model import Popularity
from bridge.text.explain import audit_details, score_part
from bridge.workflow.priority import PriorityRules, ScorePart, score


def test_audit_details_name_our_values_number_rows_and_leave_out_what_is_empty() -> None:
    details = {"queue": "legal", "previous_state": "grouped", "previous_queue": None, "wishes": [3, 4],
               "score": 0.4567, "epic_url": "https://jira.example/browse/W-1", "question": "Какой формат?"}
    assert audit_details(details, "ru") == ["Очередь: юристы", "Было: сгруппирована", "Пожелания: #3, #4",
                                            "Сходство: 0.46", "Вопрос клиентам: Какой формат?"]
    assert audit_details(details, "en")[:2] == ["Queue: legal", "Was: grouped"]


def test_a_detail_or_value_the_catalogue_does_not_know_shows_as_recorded() -> None:
    assert audit_details({"door": "fax", "colour": "red"}, "ru") == ["Источник: fax", "colour: red"]
    assert audit_details(None, "ru") == []


def test_every_part_of_a_real_score_is_explained_in_russian() -> None:
    rules = PriorityRules(per_organization=1, per_paid_account=0.5, segments={"enterprise": 5},
                          importance={"critical": 30}, deadline_points=40, deadline_horizon_days=100)
    found = score(Popularity(organizations=2, paid_accounts=4, by_segment={"enterprise": 1}),
                  {"importance": "critical", "legal_deadline": date(2026, 3, 11)}, rules, date(2026, 1, 10))
    explained = [score_part(part, "ru", importance="critical", deadline=date(2026, 3, 11)) for part in found.parts]
    assert explained == [
        ("Организации", "разных организаций: 2 × 1"),
        ("Сегмент: крупный бизнес", "организаций сегмента: 1 × 5"),
        ("Платные аккаунты", "платных аккаунтов: 4 × 0.5"),
        ("Важность", "важность для бизнеса «критично»: 30"),
        ("Срок по закону", "срок 2026-03-11, осталось дней: 60; 40% от 40"),
    ]


def test_an_overdue_deadline_says_so() -> None:
    part = ScorePart("legal_deadline", -3, 40, 40, "legal deadline 2026-01-07 overdue by 3 days")
    assert score_part(part, "en", deadline=date(2026, 1, 7)) == (
        "Legal deadline", "due 2026-01-07, overdue by 3 days: 100% of 40")


def test_a_score_part_the_catalogue_does_not_know_keeps_the_workflows_words() -> None:
    part = ScorePart("seasonality", 1, 2, 2, "asked before the season")
    assert score_part(part, "ru") == ("seasonality", "asked before the season")
