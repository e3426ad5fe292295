from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from bridge.errors import MappingError, WorkflowError
from bridge.grouping.similarity import GroupingPolicy
from bridge.grouping.store_index import load_index, policy_of, wish_doc
from bridge.mapping import load_mappings
from bridge.store.audit import trail
from bridge.store.schema import comments, tickets, wish_groups
from bridge.store.schema import wishes as wish_rows
from bridge.workflow import lifecycle as wishes
from bridge.workflow.changes import STATES, allowed_actions
from bridge.workflow.handover import hand_over_again
from bridge.workflow.popularity import popularity
from bridge.workflow.read_models import group_detail, new_wishes
from tests.conftest import MAPPINGS
from tests.jira_helpers import link_epic
from tests.wish_helpers import group_of, intake_one, mappings_with, queued, store_ticket

STRICT = {"auto_join": 0.99, "suggest_min": 0.0}


@pytest.fixture
def mappings(tmp_path):
    """Grouping that joins only near-identical wishes, so each test decides what belongs together."""
    return mappings_with(tmp_path, STRICT)


def state_of(conn, group_id: int) -> str:
    return conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == group_id)).scalar_one()


def actions_in(conn, group_id: int) -> list[str]:
    return [row["action"] for row in trail(conn, "group", group_id)]


# --- doors ---------------------------------------------------------------------------------------------------

def test_a_stored_wish_ticket_starts_a_new_group_and_hears_registered_once(engine, mappings):
    with engine.begin() as conn:
        ticket_id = store_ticket(conn, "101", "Агрегация кодов в короба", category="marking",
                                 subcategory="aggregation")
        assert wishes.intake_tickets(conn, [ticket_id], mappings) == 1
        assert wishes.intake_tickets(conn, [ticket_id], mappings) == 0
        group_id = group_of(conn, ticket_id)
        group = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).one()
        [message] = queued(conn, "stage:registered:")
    assert (group.state, group.title, group.category, group.subcategory) == (
        "new", "Агрегация кодов в короба", "marking", "aggregation")
    assert message["idempotency_key"] == f"stage:registered:g{group_id}:e0:t{ticket_id}"
    assert f"под номером W-{group_id}." in message["payload"]["patch"]["comment"], "the group's public number"


def test_intake_skips_tickets_that_are_not_wishes(engine, mappings):
    with engine.begin() as conn:
        question = store_ticket(conn, "102", "Как сменить пароль?", is_wish=False)
        assert wishes.intake_tickets(conn, [question], mappings) == 0
        assert conn.execute(select(wish_rows)).first() is None


def test_a_manual_wish_keeps_who_asked_and_sends_no_helpdesk_message(engine, mappings):
    with engine.begin() as conn:
        ref = wishes.add_wish(conn, mappings, door="manual", text="Хотим выгрузку отчётов в 1С по расписанию",
                              actor="sales.anna", organization="Ромашка", contact="ivan@romashka.ru",
                              channel="meeting", category="reports", subcategory="scheduled", segment="enterprise")
        ticket = conn.execute(select(tickets).where(tickets.c.id == ref.ticket_id)).one()
        wish = conn.execute(select(wish_rows).where(wish_rows.c.id == ref.wish_id)).one()
        assert queued(conn) == []
    assert (ticket.source, ticket.organization_name, ticket.requester_email, ticket.channel, ticket.segment) == (
        "manual", "Ромашка", "ivan@romashka.ru", "meeting", "enterprise")
    assert len(ticket.external_id) == 32 and ticket.is_wish
    assert (wish.door, wish.created_by, wish.group_id, ref.joined) == ("manual", "sales.anna", ref.group_id, False)


@pytest.mark.parametrize("fields, message", [
    ({"door": "fax"}, "unknown door 'fax'"),
    ({"text": "   "}, "a wish needs its text"),
    ({"category": "taxes"}, "unknown category 'taxes'"),
    ({"category": "reports", "subcategory": "roaming"}, "unknown subcategory 'roaming' for category 'reports'"),
])
def test_add_wish_refuses_an_unknown_door_topic_or_empty_text(engine, mappings, fields, message):
    arguments = {"door": "manual", "text": "Тёмная тема", "actor": "sales.anna", **fields}
    with engine.begin() as conn, pytest.raises(WorkflowError, match=message):
        wishes.add_wish(conn, mappings, **arguments)


def test_attaching_a_ticket_makes_it_a_wish_of_the_group_and_tells_its_customer(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "103", "Офлайн-режим сканирования")
        other = store_ticket(conn, "104", "Сканер без интернета", is_wish=False)
        ref = wishes.attach_ticket(conn, mappings, other, group_id, "pm.olga")
        assert (ref.group_id, ref.joined, state_of(conn, group_id)) == (group_id, True, "grouped")
        assert [m["idempotency_key"] for m in queued(conn, "stage:registered:")][-1].endswith(f":t{other}")
        with pytest.raises(WorkflowError, match=f"ticket {other} is already wish {ref.wish_id} in group"):
            wishes.attach_ticket(conn, mappings, other, group_id, "pm.olga")
        with pytest.raises(WorkflowError, match="no ticket 999999"):
            wishes.attach_ticket(conn, mappings, 999999, group_id, "pm.olga")


# --- grouping through intake, at and around the threshold -----------------------------------------------------

REPEATS = {
    "ru": ("Агрегация кодов маркировки в транспортную упаковку",
           "Агрегация кодов маркировки в транспортную упаковку, срочно"),
    "en": ("Export the sales report to Excel", "Please export the sales report to Excel every day"),
}
PARAPHRASE = ("Export the sales report to Excel", "Can I download our sales figures as a spreadsheet?")


def lexical_score(conn, mappings, first: str, second: str) -> float:
    decision = load_index(conn, replace(policy_of(mappings), auto_join=0.0)).decide(wish_doc(0, second, None, None, ()))
    assert decision.join_score is not None
    return decision.join_score


@pytest.mark.parametrize("language", REPEATS)
@pytest.mark.parametrize("offset, joins", [(-0.01, True), (0.0, True), (0.01, False)])
def test_a_wish_filed_again_joins_at_and_above_the_threshold_and_is_only_suggested_below(
        engine, tmp_path, language, offset, joins):
    first, second = REPEATS[language]
    loose = mappings_with(tmp_path, {"auto_join": 1.0, "suggest_min": 0.0})
    with engine.begin() as conn:
        first_group = intake_one(conn, loose, "201", first, category="marking", language=language)
        score = lexical_score(conn, loose, first, second)
        policy = mappings_with(tmp_path, {"auto_join": score + offset, "suggest_min": 0.05})
        second_group = intake_one(conn, policy, "202", second, category="marking", language=language)
        wish = conn.execute(select(wish_rows).where(wish_rows.c.group_id == second_group)
                            .order_by(wish_rows.c.id.desc())).first()
        similar = group_detail(conn, policy, second_group).similar
    assert score > 0.5, "the pair must look alike to the grouping at all"
    assert (second_group == first_group) is joins
    if joins:
        assert (wish.join_mode, wish.join_score) == ("auto", pytest.approx(score))
    else:
        assert wish.join_mode is None
        assert [s.group_id for s in similar] == [first_group]


def test_a_paraphrase_is_suggested_first_but_never_joined(engine, tmp_path):
    lenient = mappings_with(tmp_path, {"auto_join": 0.3, "suggest_min": 0.05})
    with engine.begin() as conn:
        first_group = intake_one(conn, lenient, "301", PARAPHRASE[0], language="en")
        intake_one(conn, lenient, "302", "Single sign-on with Google accounts", language="en")
        second_group = intake_one(conn, lenient, "303", PARAPHRASE[1], language="en")
        similar = group_detail(conn, lenient, second_group).similar
    assert second_group != first_group
    assert similar[0].group_id == first_group


@pytest.mark.parametrize("policy, message", [
    ({"auto_join": 0.5, "suggest_min": 0.7}, "suggest_min: must not exceed auto_join (0.5)"),
    ({"text_weight": 0, "marking_weight": 0}, "text_weight: text_weight and marking_weight cannot both be 0"),
    ({"auto_join": 1.5}, "auto_join: 1.5 is greater than the maximum of 1"),
])
def test_a_contradictory_grouping_policy_is_refused_with_its_line(tmp_path, policy, message):
    with pytest.raises(MappingError) as refused:
        mappings_with(tmp_path, policy)
    assert [f"{i.where}: {i.message}" for i in refused.value.issues] == [message]
    assert refused.value.issues[0].path.endswith("grouping.yaml")


def test_the_shipped_grouping_policy_states_the_grouping_defaults_and_a_missing_key_keeps_its_default(tmp_path):
    assert policy_of(load_mappings(MAPPINGS)) == GroupingPolicy()
    assert policy_of(mappings_with(tmp_path, {"auto_join": 0.95})) == GroupingPolicy(auto_join=0.95)


# --- every transition, allowed and forbidden ------------------------------------------------------------------

def make_group(conn, mappings, state: str) -> tuple[int, int, int]:
    """A group in `state` (two wishes unless `new`), a spare wish ticket and another `grouped` group."""
    group_id = intake_one(conn, mappings, f"{state}-1", "Сканирование кодов без интернета")
    other = intake_one(conn, mappings, f"{state}-3", "Выгрузка дашборда в PDF")
    wishes.confirm(conn, other, "pm")
    spare = store_ticket(conn, f"{state}-4", "Рассылка счетов по расписанию")
    if state != "new":
        wishes.attach_ticket(conn, mappings, store_ticket(conn, f"{state}-2", "Офлайн-режим сканера"), group_id, "pm")
    steps: dict[str, list[Callable[[], object]]] = {
        "in_analysis": [lambda: wishes.route(conn, mappings, group_id, "analyst", "pm")],
        "approved": [lambda: wishes.route(conn, mappings, group_id, "analyst", "pm"),
                     lambda: wishes.decide(conn, mappings, group_id, "approve", "pm")],
        "done": [lambda: wishes.route(conn, mappings, group_id, "analyst", "pm"),
                 lambda: wishes.decide(conn, mappings, group_id, "approve", "pm"),
                 lambda: wishes.mark_done(conn, group_id, "jira")],
        "declined": [lambda: wishes.decide(conn, mappings, group_id, "decline", "pm", "not our market")],
        "deferred": [lambda: wishes.decide(conn, mappings, group_id, "defer", "pm", "next year")],
        "merged": [lambda: wishes.merge(conn, group_id, other, "pm")],
    }
    for step in steps.get(state, []):
        step()
    assert state_of(conn, group_id) == state
    return group_id, spare, other


def action_calls(conn, mappings, group_id: int, spare: int, other: int) -> dict[str, Callable[[], object]]:
    last_wish = max(conn.execute(select(wish_rows.c.id).where(wish_rows.c.group_id == group_id)).scalars(),
                    default=0)
    return {
        "confirm": lambda: wishes.confirm(conn, group_id, "pm"),
        "route": lambda: wishes.route(conn, mappings, group_id, "legal", "pm"),
        "analyse": lambda: wishes.record_analysis(conn, group_id, "analyst", importance="critical"),
        "ask": lambda: wishes.ask_customers(conn, mappings, group_id, "Сколько у вас складов?", "analyst"),
        "approve": lambda: wishes.decide(conn, mappings, group_id, "approve", "pm"),
        "decline": lambda: wishes.decide(conn, mappings, group_id, "decline", "pm", "no"),
        "defer": lambda: wishes.decide(conn, mappings, group_id, "defer", "pm", "later"),
        "reopen": lambda: wishes.reopen(conn, mappings, group_id, "pm", "customers insist"),
        "done": lambda: wishes.mark_done(conn, group_id, "jira"),
        "acknowledge": lambda: wishes.acknowledge(conn, group_id, "pm"),
        "merge": lambda: wishes.merge(conn, group_id, other, "pm"),
        "unmerge": lambda: wishes.unmerge(conn, group_id, "pm"),
        "split": lambda: wishes.split(conn, group_id, [last_wish], "pm"),
        "attach": lambda: wishes.attach_ticket(conn, mappings, spare, group_id, "pm"),
        "comment": lambda: wishes.add_comment(conn, group_id, "pm", "see the call notes"),
        "handover": lambda: hand_over_again(conn, group_id, "pm"),
    }


@pytest.mark.parametrize("state", STATES)
def test_every_action_is_allowed_exactly_where_the_lifecycle_says(engine, mappings, state):
    with engine.connect() as conn, conn.begin():
        group_id, spare, other = make_group(conn, mappings, state)
        outcomes = {}
        for action, call in action_calls(conn, mappings, group_id, spare, other).items():
            attempt = conn.begin_nested()
            try:
                call()
                outcomes[action] = "done"
            except WorkflowError as error:
                outcomes[action] = str(error)
            attempt.rollback()
    allowed = allowed_actions(state)
    assert {a for a, outcome in outcomes.items() if outcome == "done"} == allowed
    for action, outcome in outcomes.items():
        if action not in allowed:
            assert outcome.startswith(f"group W-{group_id} is {state}: cannot {action} (allowed: ")


def test_an_unknown_group_is_named_in_the_error(engine, mappings):
    with engine.begin() as conn, pytest.raises(WorkflowError, match="no wish group W-4242"):
        wishes.route(conn, mappings, 4242, "analyst", "pm")


@pytest.mark.parametrize("decision", ["decline", "defer"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_decline_and_defer_without_a_reason_are_refused_and_change_nothing(engine, mappings, decision, reason):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "301", "Тёмная тема интерфейса")
        with pytest.raises(WorkflowError, match=f"a reason is required to {decision}"):
            wishes.decide(conn, mappings, group_id, decision, "pm", reason)
        assert state_of(conn, group_id) == "new"
        assert queued(conn, f"stage:{decision}d:") == []


# --- telling customers: once per ticket per stage per epoch ---------------------------------------------------

def test_routing_tells_each_ticket_once_even_when_rerouted(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "401", "Отчёт по остаткам")
        wishes.attach_ticket(conn, mappings, store_ticket(conn, "402", "Остатки на складе"), group_id, "pm")
        wishes.route(conn, mappings, group_id, "analyst", "pm")
        wishes.route(conn, mappings, group_id, "legal", "pm", "a regulation is involved")
        with pytest.raises(WorkflowError, match="already in the legal queue"):
            wishes.route(conn, mappings, group_id, "legal", "pm")
        messages = queued(conn, "stage:in_analysis:")
        queue = conn.execute(select(wish_groups.c.queue).where(wish_groups.c.id == group_id)).scalar_one()
    assert len(messages) == 2 and queue == "legal"


def test_reopening_starts_a_new_epoch_so_a_second_decline_is_told_again(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "501", "Интеграция с маркетплейсом")
        wishes.decide(conn, mappings, group_id, "decline", "pm", "not this year")
        with pytest.raises(WorkflowError, match="is declined: cannot decline"):
            wishes.decide(conn, mappings, group_id, "decline", "pm", "still no")
        assert len(queued(conn, "stage:declined:")) == 1
        wishes.reopen(conn, mappings, group_id, "pm", "three new customers asked")
        group = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).one()
        wishes.decide(conn, mappings, group_id, "decline", "pm", "out of scope")
        keys = [m["idempotency_key"] for m in queued(conn, "stage:declined:")]
        reasons = [m["payload"]["patch"]["comment"] for m in queued(conn, "stage:declined:")]
    assert (group.state, group.epoch, group.reason) == ("grouped", 1, None)
    assert [key.split(":")[3] for key in keys] == ["e0", "e1"]
    assert "not this year" in reasons[0] and "out of scope" in reasons[1]


def test_approving_hands_over_to_jira_and_tells_the_customers_only_once_the_group_has_its_epic(engine, mappings):
    with engine.begin() as conn:
        ticket_id = store_ticket(conn, "601", "УПД с кодами маркировки")
        wishes.intake_tickets(conn, [ticket_id], mappings)
        group_id = group_of(conn, ticket_id)
        wishes.route(conn, mappings, group_id, "analyst", "pm")
        wishes.decide(conn, mappings, group_id, "approve", "pm", issue_key="WISH-7")
        [epic] = queued(conn, "epic:")
        before = queued(conn, "stage:approved:")
        link_epic(conn, group_id, "WISH-7")  # the hand-over succeeded earlier; the group is declined, reopened
        wishes.decide(conn, mappings, group_id, "decline", "pm", "not now")
        wishes.reopen(conn, mappings, group_id, "pm", "asked again")
        wishes.route(conn, mappings, group_id, "analyst", "pm")
        wishes.decide(conn, mappings, group_id, "approve", "pm")
        told = [m["idempotency_key"] for m in queued(conn, "stage:approved:")]
    assert (epic["idempotency_key"], epic["kind"], epic["payload"]) == (
        f"epic:g{group_id}", "create_epic", {"group_id": group_id, "issue_key": "WISH-7"})
    assert before == [], "the approval is told once the tracker has the epic (bridge/tracker/epics.py)"
    assert told == [f"stage:approved:g{group_id}:e1:t{ticket_id}"], "a group keeping its epic is told at once"


def test_asking_customers_puts_each_question_on_every_helpdesk_ticket(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "701", "Сканирование в офлайне")
        wishes.attach_ticket(conn, mappings, store_ticket(conn, "702", "Офлайн"), group_id, "pm")
        manual = wishes.add_wish(conn, mappings, door="manual", text="Офлайн-сканирование", actor="sales")
        wishes.merge(conn, manual.group_id, group_id, "pm")
        wishes.route(conn, mappings, group_id, "analyst", "pm")
        assert wishes.ask_customers(conn, mappings, group_id, "Сколько часов без сети?", "analyst") == 2
        assert wishes.ask_customers(conn, mappings, group_id, "Какие сканеры?", "analyst") == 2
        questions = queued(conn, "question:")
        kept = conn.execute(select(comments.c.body).where(comments.c.group_id == group_id)).scalars().all()
    assert len(questions) == 4
    assert "Какие сканеры?" in questions[-1]["payload"]["patch"]["comment"]
    assert kept == ["Сколько часов без сети?", "Какие сканеры?"]


def test_analysis_is_recorded_and_an_unknown_importance_refused(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "801", "Отчёт для налоговой по 54-ФЗ")
        wishes.route(conn, mappings, group_id, "legal", "pm")
        with pytest.raises(WorkflowError, match="unknown importance 'urgent'"):
            wishes.record_analysis(conn, group_id, "lawyer", importance="urgent")
        wishes.record_analysis(conn, group_id, "lawyer", importance="critical", legal_reference="54-ФЗ ст. 4.7",
                               legal_deadline=date(2027, 3, 1))
        group = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).one()
    assert (group.importance, group.legal_reference, group.legal_deadline) == (
        "critical", "54-ФЗ ст. 4.7", date(2027, 3, 1))


# --- a ticket joining a group under way ---------------------------------------------------------------------

@pytest.mark.parametrize("decision", ["decline", "defer"])
def test_new_demand_on_a_declined_or_deferred_group_tells_the_product_manager(engine, tmp_path, decision):
    joining = mappings_with(tmp_path, {"auto_join": 0.5, "suggest_min": 0.1})
    with engine.begin() as conn:
        group_id = intake_one(conn, joining, "901", "Тёмная тема интерфейса")
        wishes.decide(conn, joining, group_id, decision, "pm", "not now")
        assert group_id not in [row.id for row in new_wishes(conn, joining)]
        assert intake_one(conn, joining, "902", "Тёмная тема интерфейса") == group_id
        flagged = [row.id for row in new_wishes(conn, joining) if row.needs_attention]
        wishes.acknowledge(conn, group_id, "pm")
        after = [row.id for row in new_wishes(conn, joining)]
        assert actions_in(conn, group_id)[-2:] == ["demand_raised", "acknowledge"]
    assert flagged == [group_id] and group_id not in after


def test_a_ticket_joining_an_approved_group_is_linked_to_its_epic(engine, tmp_path):
    joining = mappings_with(tmp_path, {"auto_join": 0.5, "suggest_min": 0.1})
    with engine.begin() as conn:
        group_id = intake_one(conn, joining, "951", "Выгрузка в 1С")
        wishes.route(conn, joining, group_id, "analyst", "pm")
        wishes.decide(conn, joining, group_id, "approve", "pm")
        ticket_id = store_ticket(conn, "952", "Выгрузка в 1С")
        wishes.intake_tickets(conn, [ticket_id], joining)
        [link] = queued(conn, "link:")
    assert (link["idempotency_key"], link["kind"], link["payload"]) == (
        f"link:g{group_id}:t{ticket_id}", "link_ticket", {"group_id": group_id, "ticket_id": ticket_id})


# --- merge, unmerge, split -----------------------------------------------------------------------------------

def test_merge_keeps_every_wish_ticket_and_comment_and_counts_an_organisation_once(engine, mappings):
    with engine.begin() as conn:
        source = intake_one(conn, mappings, "a1", "Агрегация коробов", organization="romashka")
        target = intake_one(conn, mappings, "b1", "Агрегировать паллеты", organization="romashka")
        wishes.attach_ticket(conn, mappings, store_ticket(conn, "b2", "Паллеты", organization="lutik"), target, "pm")
        note = wishes.add_comment(conn, source, "pm", "клиент готов к пилоту")
        wishes.merge(conn, source, target, "pm")
        merged = (popularity(conn, target), state_of(conn, source), detail_counts(conn, mappings, target))
        wishes.unmerge(conn, source, "pm")
        restored = (state_of(conn, source), detail_counts(conn, mappings, source),
                    detail_counts(conn, mappings, target))
        source_actions, target_actions = actions_in(conn, source), actions_in(conn, target)
    popular, source_state, counts = merged
    assert (popular.tickets, popular.organizations, source_state) == (3, 2, "merged")
    assert counts == (3, 3, [note])
    assert restored == ("new", (1, 1, [note]), (2, 2, []))
    assert source_actions[-2:] == ["merge", "unmerge"] and target_actions[-2:] == ["merged_in", "unmerged_out"]


def detail_counts(conn, mappings, group_id: int) -> tuple[int, int, list[int]]:
    detail = group_detail(conn, mappings, group_id)
    return (len(detail.wishes), sum(len(w.tickets) for w in detail.wishes), [c["id"] for c in detail.comments])


@pytest.mark.parametrize("source_is_target", [True, False])
def test_merge_refuses_the_group_itself_and_a_group_merged_on_must_be_unmerged_first(engine, mappings,
                                                                                     source_is_target):
    with engine.begin() as conn:
        first = intake_one(conn, mappings, "c1", "Тарифы для филиалов")
        if source_is_target:
            with pytest.raises(WorkflowError, match=f"cannot merge group {first} into itself"):
                wishes.merge(conn, first, first, "pm")
            return
        second = intake_one(conn, mappings, "c2", "Счета по филиалам")
        third = intake_one(conn, mappings, "c3", "Сканирование накладных")
        wishes.merge(conn, first, second, "pm")
        wishes.merge(conn, second, third, "pm")
        with pytest.raises(WorkflowError, match=f"group {second} is merged into group {third}; unmerge it first"):
            wishes.unmerge(conn, first, "pm")


def test_split_moves_the_chosen_wishes_to_a_new_group_and_keeps_the_rest(engine, mappings):
    with engine.begin() as conn:
        group_id = intake_one(conn, mappings, "d1", "Роуминг ЭДО")
        joined = wishes.attach_ticket(conn, mappings, store_ticket(conn, "d2", "Роуминг с другим оператором"),
                                      group_id, "pm")
        wishes.add_comment(conn, group_id, "pm", "общий комментарий")
        with pytest.raises(WorkflowError, match="not none or all"):
            wishes.split(conn, group_id, [w.id for w in group_detail(conn, mappings, group_id).wishes], "pm")
        with pytest.raises(WorkflowError, match="wishes 424242 are not in group"):
            wishes.split(conn, group_id, [424242], "pm")
        new_id = wishes.split(conn, group_id, [joined.wish_id], "pm", title="Роуминг между операторами")
        moved, kept = group_detail(conn, mappings, new_id), group_detail(conn, mappings, group_id)
    assert [w.id for w in moved.wishes] == [joined.wish_id] and len(kept.wishes) == 1
    assert (moved.group.title, moved.group.state, len(moved.comments), len(kept.comments)) == (
        "Роуминг между операторами", "grouped", 0, 1)


def test_regroup_joins_confident_pairs_of_unreviewed_wishes_reversibly(engine, tmp_path):
    strict = mappings_with(tmp_path, STRICT)
    with engine.begin() as conn:
        first = intake_one(conn, strict, "e1", "Export invoices to Excel")
        second = intake_one(conn, strict, "e2", "Exporting invoices into Excel files")
        lonely = intake_one(conn, strict, "e3", "Сканирование в темноте")
        assert len({first, second, lonely}) == 3
        summary = wishes.regroup(conn, mappings_with(tmp_path, {"auto_join": 0.5, "suggest_min": 0.1}))
        states = [state_of(conn, group) for group in (first, second, lonely)]
        wishes.unmerge(conn, first, "pm")
        back = state_of(conn, first)
    assert summary.examined == 2
    assert [(source, target) for source, target, _ in summary.joined] == [(first, second)]
    assert states == ["merged", "grouped", "new"] and back == "new"


def test_a_russian_wish_and_its_english_twin_meet_on_the_group_page(engine, mappings):
    with engine.begin() as conn:
        russian = intake_one(conn, mappings, "tw1", "Тёмная тема в мобильном приложении", language="ru")
        intake_one(conn, mappings, "tw2", "Выгрузка счетов в 1С по расписанию", language="ru")
        english = intake_one(conn, mappings, "tw3", "Dark mode in the mobile app", language="en")
        similar = group_detail(conn, mappings, english).similar
    assert english != russian
    assert similar[0].group_id == russian
