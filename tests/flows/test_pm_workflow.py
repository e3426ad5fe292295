"""The product manager's tools on the store (SQLite and PostgreSQL): the group list in every order and with every
filter, the board by stage, owners, renaming, and merging several suggested groups at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, select

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.store import audit, group_stats
from bridge.store.schema import suggestion_verdicts, wish_groups, wishes
from bridge.store.users import create_user, set_disabled
from bridge.workflow import curation
from bridge.workflow import lifecycle as workflow
from bridge.workflow.popularity import refresh
from bridge.workflow.read_models import NO_OWNER, SORTS, STAGES, Filters, board, list_groups
from tests.jira_helpers import link_epic
from tests.wish_helpers import intake_one, mappings_with, queued, store_ticket

LONG_AGO = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC times."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@pytest.fixture
def mappings(tmp_path) -> Mappings:
    return mappings_with(tmp_path, {"auto_join": 0.99, "suggest_min": 0.0})


@dataclass(frozen=True)
class Four:
    a: int   # one enterprise organisation: the highest score
    b: int   # three tickets of one small business: the most tickets
    c: int   # two organisations on the free plan: the most organisations
    d: int   # one organisation with 60 paid accounts, and the oldest wish


def four_groups(conn: Connection, mappings: Mappings) -> Four:
    """Four groups that every order ranks differently (scores by mappings/priority.yaml: a 6, d 4, c 2, b 2)."""
    a = intake_one(conn, mappings, "1", "Тёмная тема для сканера", organization="romashka", segment="enterprise",
                   category="mobile", subcategory="scanning")
    b = intake_one(conn, mappings, "2", "Выгрузка счетов в 1С", organization="lutik", segment="smb")
    for n in (21, 22):
        workflow.attach_ticket(conn, mappings, store_ticket(conn, str(n), "Выгрузка счетов", organization="lutik",
                                                            segment="smb"), b, "pm")
    c = intake_one(conn, mappings, "3", "Роуминг УПД", organization="vasilek", segment="free")
    workflow.attach_ticket(conn, mappings, store_ticket(conn, "31", "Роуминг", organization="astra",
                                                        segment="free"), c, "pm")
    d = intake_one(conn, mappings, "4", "Дашборд по складам", organization="kedr", paid_accounts=60)
    conn.execute(wishes.update().where(wishes.c.group_id == d).values(created_at=LONG_AGO))  # an imported old wish
    refresh(conn, [d])
    for group in (c, d, a, b):   # the latest activity: b, then a, d, c
        workflow.add_comment(conn, group, "pm", "посмотреть")
    return Four(a, b, c, d)


def ids(conn: Connection, mappings: Mappings, **options: object) -> list[int]:
    return [row.id for row in list_groups(conn, mappings, **options)]  # type: ignore[arg-type]


def test_each_order_ranks_the_groups_by_its_own_figure(engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        g = four_groups(conn, mappings)
        orders = {sort: ids(conn, mappings, sort=sort) for sort in SORTS}
        rows = {row.id: row for row in list_groups(conn, mappings)}
    assert orders == {
        "score": [g.a, g.d, g.c, g.b],           # 6, 4, then 2 and 2: the newer group first
        "tickets": [g.b, g.c, g.d, g.a],         # 3, 2, then 1 and 1
        "organizations": [g.c, g.d, g.b, g.a],   # 2, then 1, 1, 1
        "paid_accounts": [g.d, g.c, g.b, g.a],   # 60, then none
        "oldest": [g.d, g.a, g.b, g.c],          # d's wish is the oldest, the others as they came
        "activity": [g.b, g.a, g.d, g.c],        # the last comments
    }
    assert len({tuple(order) for order in orders.values()}) == len(SORTS)
    assert (rows[g.d].paid_accounts, utc(rows[g.d].first_wish_at)) == (60, LONG_AGO)
    assert rows[g.b].active_at is not None and rows[g.b].active_at > rows[g.a].active_at  # type: ignore[operator]


def test_an_unknown_order_is_the_score_and_a_search_keeps_the_order_asked(engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        g = four_groups(conn, mappings)
        assert ids(conn, mappings, sort="nonsense") == ids(conn, mappings)
        assert ids(conn, mappings, sort="tickets", search="А") == [g.b, g.d, g.a]   # no "а" in "Роуминг УПД"


def test_filters_by_stage_segment_owner_and_category(engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        g = four_groups(conn, mappings)
        create_user(conn, "polina", "password-1", "product_manager")
        create_user(conn, "oleg", "password-1", "analyst")
        curation.assign(conn, g.a, "polina", "pm")
        curation.assign(conn, g.c, "polina", "pm")
        curation.assign(conn, g.b, "oleg", "pm")
        workflow.route(conn, mappings, g.b, "analyst", "pm")
        for group, key, stage in ((g.c, "WISH-1", "in_development"), (g.d, "WISH-2", "planned")):
            workflow.route(conn, mappings, group, "analyst", "pm")
            workflow.decide(conn, mappings, group, "approve", "pm", issue_key=key)
            link_epic(conn, group, key, stage=stage)
        found = {
            "in development": ids(conn, mappings, filters=Filters(stage="in_development")),
            "approved": ids(conn, mappings, filters=Filters(stage="approved")),
            "in analysis": ids(conn, mappings, filters=Filters(stage="in_analysis")),
            "state approved": ids(conn, mappings, filters=Filters(state="approved")),
            "free plan": ids(conn, mappings, filters=Filters(segment="free")),
            "enterprise": ids(conn, mappings, filters=Filters(segment="enterprise")),
            "polina's": ids(conn, mappings, filters=Filters(owner="polina")),
            "nobody's": ids(conn, mappings, filters=Filters(owner=NO_OWNER)),
            "mobile": ids(conn, mappings, filters=Filters(category="mobile")),
            "polina's free": ids(conn, mappings, filters=Filters(owner="polina", segment="free")),
        }
        owners = {row.id: row.owner for row in list_groups(conn, mappings)}
    assert found == {"in development": [g.c], "approved": [g.d], "in analysis": [g.b],
                     "state approved": [g.d, g.c], "free plan": [g.c], "enterprise": [g.a],
                     "polina's": [g.a, g.c], "nobody's": [g.d], "mobile": [g.a], "polina's free": [g.c]}
    assert owners == {g.a: "polina", g.b: "oleg", g.c: "polina", g.d: None}


def test_the_board_has_a_column_per_stage_with_its_count_and_its_best_cards(engine: Engine,
                                                                            mappings: Mappings) -> None:
    with engine.begin() as conn:
        g = four_groups(conn, mappings)
        create_user(conn, "polina", "password-1", "product_manager", display_name="Полина")
        curation.assign(conn, g.d, "polina", "pm")
        workflow.confirm(conn, g.a, "pm")   # grouped by hand; b and c were grouped by their second tickets
        workflow.decide(conn, mappings, g.d, "defer", "pm", reason="next year")
        workflow.merge(conn, intake_one(conn, mappings, "9", "Печать этикеток"), g.a, "pm")
        columns = board(conn, mappings, cards=2)
        mine = board(conn, mappings, Filters(owner="polina"), cards=2)
    assert [column.stage for column in columns] == list(STAGES)
    by_stage = {column.stage: column for column in columns}
    assert (by_stage["grouped"].total, [card.id for card in by_stage["grouped"].cards]) == (3, [g.a, g.c])
    assert (by_stage["deferred"].total, [card.id for card in by_stage["deferred"].cards]) == (1, [g.d])
    assert sum(column.total for column in columns) == 4, "a merged group stands in no column"
    [card] = by_stage["deferred"].cards
    assert (card.title, card.tickets, card.organizations, card.paid_accounts, card.owner_name) == (
        "Дашборд по складам", 1, 1, 60, "Полина")
    assert {column.stage: column.total for column in mine if column.total} == {"deferred": 1}


def test_the_board_puts_an_approved_group_whose_epic_is_in_development_in_its_own_column(
        engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "1", "Агрегация коробов")
        workflow.route(conn, mappings, group, "legal", "pm")
        workflow.decide(conn, mappings, group, "approve", "pm", issue_key="WISH-3")
        link_epic(conn, group, "WISH-3", stage="testing")
        columns = {column.stage: column.total for column in board(conn, mappings, cards=1)}
    assert columns["in_development"] == 1 and columns["approved"] == 0


def test_an_owner_is_set_and_taken_away_with_audit_rows_only_an_enabled_user_may_own(
        engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "1", "Агрегация коробов")
        create_user(conn, "polina", "password-1", "product_manager")
        create_user(conn, "gone", "password-1", "product_manager")
        set_disabled(conn, "gone", True)
        curation.assign(conn, group, "polina", "pm")
        for who, error in (("gone", "no enabled user 'gone'"), ("nobody", "no enabled user 'nobody'"),
                           ("polina", "already has that owner")):
            with pytest.raises(WorkflowError, match=error):
                curation.assign(conn, group, who, "pm")
        curation.assign(conn, group, None, "pm")
        trail = [(row["action"], row["details"]) for row in audit.trail(conn, "group", group)
                 if row["action"] == "assign"]
        owner = conn.execute(select(wish_groups.c.owner_id).where(wish_groups.c.id == group)).scalar_one()
    assert trail == [("assign", {"owner": "polina", "previous_owner": None}),
                     ("assign", {"owner": None, "previous_owner": "polina"})]
    assert owner is None


def test_a_rename_is_audited_and_reaches_the_epic_a_merged_group_keeps_its_title(engine: Engine,
                                                                                mappings: Mappings) -> None:
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "1", "выгрузка отчета")
        workflow.route(conn, mappings, group, "analyst", "pm")
        workflow.decide(conn, mappings, group, "approve", "pm", issue_key="WISH-4")
        link_epic(conn, group, "WISH-4")
        curation.rename(conn, group, "  Выгрузка   отчёта в Excel ", "pm")
        with pytest.raises(WorkflowError, match="needs a title"):
            curation.rename(conn, group, "   ", "pm")
        with pytest.raises(WorkflowError, match="already called"):
            curation.rename(conn, group, "Выгрузка отчёта в Excel", "pm")
        merged = intake_one(conn, mappings, "2", "Печать этикеток")
        workflow.merge(conn, merged, intake_one(conn, mappings, "3", "Этикетки"), "pm")
        with pytest.raises(WorkflowError, match=f"group {merged} is merged into group"):
            curation.rename(conn, merged, "Другое", "pm")
        [renamed] = [row for row in audit.trail(conn, "group", group) if row["action"] == "rename"]
        title = conn.execute(select(wish_groups.c.title).where(wish_groups.c.id == group)).scalar_one()
        updates = queued(conn, f"epic-update:g{group}")
    assert title == "Выгрузка отчёта в Excel"
    assert (renamed["actor"], renamed["details"]) == ("pm", {"previous_title": "выгрузка отчета",
                                                             "title": "Выгрузка отчёта в Excel"})
    assert len(updates) == 1


def test_several_suggested_groups_merge_into_one_each_through_the_merge_command(engine: Engine,
                                                                                mappings: Mappings) -> None:
    with engine.begin() as conn:
        target = intake_one(conn, mappings, "1", "Выгрузка отчёта в Excel", organization="romashka")
        first = intake_one(conn, mappings, "2", "Отчёт в Excel по неделям", organization="lutik")
        second = intake_one(conn, mappings, "3", "Excel-выгрузка продаж", organization="kedr")
        holder = curation.merge_suggested(conn, target, [(first, 0.71), (second, None)], "pm")
        states = dict(conn.execute(select(wish_groups.c.id, wish_groups.c.state)
                                   .where(wish_groups.c.id.in_([first, second]))).all())
        verdicts = {(row.group_id, row.other_group_id, row.verdict, row.score)
                    for row in conn.execute(select(suggestion_verdicts))}
        target_trail = [(row["action"], row["details"].get("source")) for row in audit.trail(conn, "group", target)]
        figures = group_stats.load(conn, [target])[target]
    assert holder == target and states == {first: "merged", second: "merged"}
    assert verdicts == {(target, first, "same", 0.71), (target, second, "same", None)}
    assert [entry for entry in target_trail if entry[0] == "merged_in"] == [("merged_in", first),
                                                                           ("merged_in", second)]
    assert (figures.wishes, figures.popularity.organizations) == (3, 3)


def test_a_bulk_merge_is_all_or_nothing(engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        target = intake_one(conn, mappings, "1", "Выгрузка отчёта в Excel")
        fine = intake_one(conn, mappings, "2", "Отчёт в Excel по неделям")
        released = intake_one(conn, mappings, "3", "Excel-выгрузка продаж")
        workflow.route(conn, mappings, released, "analyst", "pm")
        workflow.decide(conn, mappings, released, "approve", "pm")
        workflow.mark_done(conn, released, "pm")
    with pytest.raises(WorkflowError, match=f"group W-{released} is done: cannot merge"), engine.begin() as conn:
        curation.merge_suggested(conn, target, [(fine, 0.8), (released, 0.7)], "pm")
    with engine.connect() as conn:
        assert conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == fine)).scalar_one() == "new"
        assert list(conn.execute(select(suggestion_verdicts))) == []
        with pytest.raises(WorkflowError, match="tick the suggested groups"):
            curation.merge_suggested(conn, target, [], "pm")


def test_merging_in_an_older_wish_makes_the_group_older_and_every_change_marks_it_active(
        engine: Engine, mappings: Mappings) -> None:
    with engine.begin() as conn:
        older = intake_one(conn, mappings, "1", "Печать этикеток")
        conn.execute(wishes.update().where(wishes.c.group_id == older).values(created_at=LONG_AGO))
        refresh(conn, [older])
        newer = intake_one(conn, mappings, "2", "Этикетки на коробах")
        before = conn.execute(select(wish_groups.c.active_at).where(wish_groups.c.id == newer)).scalar_one()
        workflow.merge(conn, older, newer, "pm")
        after = conn.execute(select(wish_groups.c.active_at).where(wish_groups.c.id == newer)).scalar_one()
        first = group_stats.load(conn, [newer])[newer].first_wish_at
    assert utc(first) == LONG_AGO
    assert after > before and datetime.now(UTC) - utc(after) < timedelta(minutes=1)  # type: ignore[operator]
