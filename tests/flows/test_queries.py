from datetime import UTC, datetime, timedelta

import pytest

from bridge.errors import WorkflowError
from bridge.workflow import lifecycle as wishes
from bridge.workflow.read_models import group_detail, list_groups, new_wishes
from tests.wish_helpers import intake_one, mappings_with, store_ticket


@pytest.fixture
def mappings(tmp_path):
    return mappings_with(tmp_path, {"auto_join": 0.99, "suggest_min": 0.0})


def test_groups_are_listed_by_score_with_their_suggested_queue(engine, mappings):
    with engine.begin() as conn:
        small = intake_one(conn, mappings, "1", "Тёмная тема", segment="smb")
        big = intake_one(conn, mappings, "2", "Отчёт по закону о маркировке", segment="enterprise")
        for n, org in enumerate(("beta", "gamma")):
            wishes.attach_ticket(conn, mappings, store_ticket(conn, f"2{n}", "Отчёт", organization=org,
                                                              segment="enterprise"), big, "pm")
        rows = list_groups(conn, mappings)
    assert [row.id for row in rows] == [big, small]
    assert rows[0].score > rows[1].score
    assert (rows[0].wishes, rows[0].tickets, rows[0].organizations, rows[0].state) == (3, 3, 3, "grouped")
    assert (rows[0].suggested_queue, rows[0].suggested_rule) == ("legal", "legislation")
    assert (rows[1].suggested_queue, rows[1].suggested_rule) == ("analyst", None)


def test_filters_by_state_queue_and_search_in_the_wishes_text(engine, mappings):
    with engine.begin() as conn:
        routed = intake_one(conn, mappings, "1", "Выгрузка в 1С")
        other = intake_one(conn, mappings, "2", "Офлайн-режим")
        wishes.route(conn, mappings, routed, "legal", "pm")
        wishes.merge(conn, intake_one(conn, mappings, "3", "Сканер без сети"), other, "pm")
        by_state = [row.id for row in list_groups(conn, mappings, state="in_analysis")]
        by_queue = [row.id for row in list_groups(conn, mappings, queue="legal")]
        by_text = [row.id for row in list_groups(conn, mappings, search="СКАНЕР")]
        merged = [row.state for row in list_groups(conn, mappings, state="merged")]
        everything = {row.state for row in list_groups(conn, mappings)}
    assert by_state == by_queue == [routed] and by_text == [other]
    assert merged == ["merged"] and "merged" not in everything


def test_the_inbox_holds_unreviewed_groups_and_those_with_new_demand(engine, tmp_path):
    joining = mappings_with(tmp_path, {"auto_join": 0.5, "suggest_min": 0.0})
    with engine.begin() as conn:
        fresh = intake_one(conn, joining, "1", "Тёмная тема")
        quiet = intake_one(conn, joining, "2", "Рассылка счетов")
        wishes.decide(conn, joining, quiet, "defer", "pm", "later")
        routed = intake_one(conn, joining, "3", "Интеграция с маркетплейсами")
        wishes.route(conn, joining, routed, "analyst", "pm")
        assert [row.id for row in new_wishes(conn, joining)] == [fresh]
        wishes.intake_tickets(conn, [store_ticket(conn, "4", "Рассылка счетов")], joining)
        inbox = {row.id: row.needs_attention for row in new_wishes(conn, joining)}
    assert inbox == {fresh: False, quiet: True}


def test_the_detail_shows_tickets_score_breakdown_audit_and_allowed_actions(engine, mappings):
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "1", "Агрегация коробов", organization="romashka", segment="enterprise",
                       paid_accounts=40)
        wishes.add_comment(conn, group, "pm", "важный клиент")
        wishes.route(conn, mappings, group, "analyst", "pm")
        detail = group_detail(conn, mappings, group)
        with pytest.raises(WorkflowError, match="no wish group W-777"):
            group_detail(conn, mappings, 777)
    [wish] = detail.wishes
    [ticket] = wish.tickets
    assert (ticket.source, ticket.external_id, ticket.organization, ticket.segment, ticket.url) == (
        "zendesk", "1", "Romashka", "enterprise", "https://help.example/1")
    assert detail.score.total == pytest.approx(sum(part.points for part in detail.score.parts))
    assert "segment:enterprise" in [part.name for part in detail.score.parts]
    assert detail.popularity.paid_accounts == 40
    assert [c["body"] for c in detail.comments] == ["важный клиент"]
    assert [entry["action"] for entry in detail.audit] == ["wish_added", "comment", "route"]
    assert detail.allowed_actions == frozenset(
        {"route", "analyse", "ask", "approve", "decline", "defer", "merge", "split", "attach", "comment"})


def test_pages_of_a_list_follow_one_another_in_the_order_of_each_groups_score(engine, mappings):
    today = datetime.now(UTC).date()
    with engine.begin() as conn:
        for n, (segment, paid) in enumerate((("enterprise", 40), ("smb", 0), ("business", 7), (None, 3), ("smb", 1),
                                             ("enterprise", 0), ("free", 90)), start=1):
            intake_one(conn, mappings, str(n), f"Пожелание номер {n}", organization=f"org{n}", segment=segment,
                       paid_accounts=paid)
        for n, (importance, deadline) in enumerate((("critical", None), ("important", 30), (None, -5), (None, 400)),
                                                   start=2):
            wishes.route(conn, mappings, n, "legal", "pm")
            wishes.record_analysis(conn, n, "analyst", importance=importance,
                                   legal_deadline=today + timedelta(days=deadline) if deadline is not None else None)
        whole = list_groups(conn, mappings)
        pages = [list_groups(conn, mappings, limit=3, offset=offset) for offset in (0, 3, 6)]
        inbox_pages = [new_wishes(conn, mappings, limit=2, offset=offset) for offset in (0, 2)]
    assert [row.id for page in pages for row in page] == [row.id for row in whole]
    assert [row.id for row in whole] == [row.id for row in sorted(whole, key=lambda row: (-row.score, -row.id))]
    assert len({row.score for row in whole}) > 4, "the groups score differently"
    assert [row.id for page in inbox_pages for row in page] == [row.id for row in whole if row.state == "new"]


def test_a_search_pages_through_the_matching_groups_only(engine, mappings):
    with engine.begin() as conn:
        matching = [intake_one(conn, mappings, str(n), f"Выгрузка отчёта {n} в Excel", organization=f"o{n}")
                    for n in range(5)]
        intake_one(conn, mappings, "99", "Тёмная тема")
        first, second = (list_groups(conn, mappings, search="EXCEL", limit=3, offset=offset) for offset in (0, 3))
    assert sorted(row.id for row in [*first, *second]) == matching
    assert (len(first), len(second)) == (3, 2)


def test_the_detail_shows_the_wishes_asked_for_and_counts_them_all(engine, tmp_path):
    joining = mappings_with(tmp_path, {"auto_join": 0.5, "suggest_min": 0.0})
    with engine.begin() as conn:
        group = intake_one(conn, joining, "1", "Выгрузка в 1С")
        for n in range(2, 6):
            wishes.attach_ticket(conn, joining, store_ticket(conn, str(n), f"Выгрузка в 1С {n}"), group, "pm")
        second_page = group_detail(conn, joining, group, wishes_offset=2, wishes_limit=2)
        everything = group_detail(conn, joining, group)
    assert second_page.group.wishes == len(everything.wishes) == 5
    assert [wish.id for wish in second_page.wishes] == [wish.id for wish in everything.wishes[2:4]]
    assert [t.external_id for wish in second_page.wishes for t in wish.tickets] == ["3", "4"]
    assert second_page.popularity == everything.popularity and second_page.popularity.tickets == 5
