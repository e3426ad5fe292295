from datetime import UTC, datetime

from sqlalchemy import select

from bridge.dispatch import drain, ticket_patch_handler
from bridge.mapping import load_mappings
from bridge.notify import TICKET_PATCH, notify
from bridge.store import outbox
from bridge.store.schema import outbox as outbox_rows
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def a_group_with_tickets(conn, languages: list[str], source: str = "zendesk") -> int:
    group_id = conn.execute(wish_groups.insert().values(
        title="Агрегация кодов", state="approved", created_at=NOW, updated_at=NOW, epoch=0)).inserted_primary_key[0]
    for n, language in enumerate(languages):
        ticket_id = conn.execute(tickets.insert().values(
            source=source if language else "manual", external_id=f"{source}-{n}", subject="s", tags=[],
            language=language or None, first_seen_at=NOW, last_seen_at=NOW, content_hash="x", raw={},
        )).inserted_primary_key[0]
        wish_id = conn.execute(wishes.insert().values(
            group_id=group_id, door="helpdesk", title="t", created_by="sync", created_at=NOW)).inserted_primary_key[0]
        conn.execute(wish_tickets.insert().values(wish_id=wish_id, ticket_id=ticket_id, linked_by="sync",
                                                  linked_at=NOW))
    return group_id


def test_a_stage_message_is_queued_once_per_ticket_in_its_language(engine):
    mappings = load_mappings(MAPPINGS)
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru", "en", "ru", ""])
        context = {"wish_title": "Агрегация кодов", "reason": "вне стратегии"}
        assert notify(conn, mappings, group, "declined", context) == 3
        assert notify(conn, mappings, group, "declined", context) == 0
        items = outbox.items(conn)
    comments = sorted(item["payload"]["patch"]["comment"] for item in items)
    assert comments[0].startswith("Unfortunately your wish")
    assert comments[1].startswith("К сожалению") and "вне стратегии" in comments[1]
    assert {item["kind"] for item in items} == {TICKET_PATCH}
    assert len({item["batch_key"] for item in items}) == 2


def test_a_new_epoch_tells_the_customers_again(engine):
    mappings = load_mappings(MAPPINGS)
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"])
        assert notify(conn, mappings, group, "declined", {}, epoch=0) == 1
        assert notify(conn, mappings, group, "declined", {}, epoch=1) == 1


def test_identical_patches_go_out_in_batches_and_one_failing_ticket_does_not_block_the_rest(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk(failing={"zendesk-3"})
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"] * 150)
        notify(conn, mappings, group, "planned", {"wish_title": "Агрегация"})
    first = drain(engine, {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})}, limit=1000)
    assert (first.done, first.retrying, first.dead) == (149, 1, 0)
    assert [len(refs) for refs, _, _ in desk.applied] == [100, 50]
    with engine.begin() as conn:
        [waiting] = outbox.items(conn, state="pending")
        conn.execute(outbox_rows.update().values(next_attempt_at=NOW))
    assert waiting["payload"]["external_id"] == "zendesk-3"
    second = drain(engine, {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})})
    assert (second.done, second.retrying) == (1, 0)
    assert all(len(comments) == 1 for comments in desk.comments.values())
    assert len(desk.comments) == 150


def test_an_item_without_a_handler_or_connector_is_dead_lettered(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "a", "nowhere", TICKET_PATCH, {"external_id": "1", "patch": {"comment": "hi"}})
        outbox.enqueue(conn, "b", "jira", "create_epic", {"group_id": 1})
    summary = drain(engine, {TICKET_PATCH: ticket_patch_handler({})})
    assert summary.dead == 2
    with engine.connect() as conn:
        errors = sorted(conn.execute(select(outbox_rows.c.last_error)).scalars())
    assert "no configured connector 'nowhere'" in errors[0]
    assert "no handler for outbox items of kind 'create_epic'" in errors[1]


def test_a_customer_hears_the_stages_in_the_order_they_happened(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk()
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru", "ru"])
        for stage in ("registered", "in_analysis", "approved", "declined"):
            notify(conn, mappings, group, stage, {"wish_title": "Агрегация", "reason": "нет"})
    drain(engine, {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})})
    stages = [key.split(":")[1] for _, _, key in desk.applied]
    assert stages == ["registered", "in_analysis", "approved", "declined"]
