from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bridge.mapping import load_mappings
from bridge.outbox.drain import drain, release_stale_claims, ticket_patch_handler, ticket_write
from bridge.outbox.notify import TICKET_PATCH, notify
from bridge.store import outbox
from bridge.store.schema import outbox as outbox_rows
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def a_group_with_tickets(conn, languages: list[str], source: str = "zendesk") -> int:
    """One group; ticket n is wish n of its own customer, titled "wish n" in its language ("пожелание n" in
    Russian)."""
    group_id = conn.execute(wish_groups.insert().values(
        title="Агрегация кодов", state="approved", created_at=NOW, updated_at=NOW, epoch=0)).inserted_primary_key[0]
    for n, language in enumerate(languages):
        ticket_id = conn.execute(tickets.insert().values(
            source=source if language else "manual", external_id=f"{source}-{n}", subject="s", tags=[],
            language=language or None, first_seen_at=NOW, last_seen_at=NOW, content_hash="x", raw={},
        )).inserted_primary_key[0]
        wish_id = conn.execute(wishes.insert().values(
            group_id=group_id, door="helpdesk", title=f"пожелание {n}" if language == "ru" else f"wish {n}", created_by="sync",
            created_at=NOW)).inserted_primary_key[0]
        conn.execute(wish_tickets.insert().values(wish_id=wish_id, ticket_id=ticket_id, linked_by="sync",
                                                  linked_at=NOW))
    return group_id


def drain_all(engine, desk, **kwargs):
    return drain(engine, {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})}, limits={"zendesk": 100}, **kwargs)


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


def test_a_new_epoch_tells_the_customers_again(engine):
    mappings = load_mappings(MAPPINGS)
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"])
        assert notify(conn, mappings, group, "declined", {}, epoch=0) == 1
        assert notify(conn, mappings, group, "declined", {}, epoch=1) == 1


def test_a_batch_carries_each_customers_own_wish_and_one_failing_ticket_does_not_block_the_rest(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk(failing={"zendesk-3"})
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"] * 150)
        notify(conn, mappings, group, "registered", {"wish_title": "Агрегация кодов"})
    first = drain_all(engine, desk, limit=1000)
    assert (first.done, first.retrying, first.dead) == (149, 1, 0)
    assert [len(refs) for refs in desk.applied] == [100, 50]
    for ticket, [comment] in desk.messages.items():
        n = ticket.removeprefix("zendesk-")
        assert f"«пожелание {n}»" in comment and f"под номером W-{group}." in comment, "a wish's number is its group's"
    with engine.begin() as conn:
        [waiting] = outbox.items(conn, state="pending")
        conn.execute(outbox_rows.update().values(next_attempt_at=NOW))
    assert waiting["payload"]["external_id"] == "zendesk-3"
    second = drain_all(engine, desk)
    assert (second.done, second.retrying) == (1, 0)
    assert all(len(comments) == 1 for comments in desk.messages.values())
    assert len(desk.messages) == 150


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


def test_a_later_stage_supersedes_the_waiting_ones_and_the_tags_end_at_the_latest(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk()
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru", "ru"])
        for stage in ("registered", "in_analysis", "approved", "testing", "released"):
            notify(conn, mappings, group, stage, {"reason": "нет"})
    drain_all(engine, desk)
    drain_all(engine, desk)
    stages = [write.key.split(":")[1] for write in desk.writes]
    assert stages == ["registered", "registered", "released", "released"]
    assert desk.tags == {"zendesk-0": {"wish_released"}, "zendesk-1": {"wish_released"}}
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"done": 4, "superseded": 6}


def test_nothing_older_is_sent_after_something_newer_even_when_a_try_fails(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk(failing={"zendesk-0"})
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"])
        notify(conn, mappings, group, "testing", {})
    assert drain_all(engine, desk).retrying == 1
    with engine.begin() as conn:
        [claimed] = outbox.claim(conn, "w", now=datetime.now(UTC) + timedelta(hours=1))
        notify(conn, mappings, group, "released", {})
    assert drain_all(engine, desk).done == 0  # the released message waits behind the one in flight
    with engine.begin() as conn:
        outbox.complete(conn, claimed.id)
    assert drain_all(engine, desk).done == 1
    assert [write.key.split(":")[1] for write in desk.writes] == ["released"]


def test_a_claim_lost_to_a_crash_is_no_failed_attempt_and_its_retry_does_not_write_twice(engine):
    mappings = load_mappings(MAPPINGS)
    desk = MemoryHelpdesk()
    with engine.begin() as conn:
        group = a_group_with_tickets(conn, ["ru"] * 3)
        notify(conn, mappings, group, "approved", {})
        crashed = outbox.claim(conn, "dead-worker")
    desk.apply([ticket_write(item) for item in crashed[:2]])  # two landed, then the worker died
    assert release_stale_claims(engine, "new-worker") == 3
    assert drain_all(engine, desk, worker="new-worker").done == 3
    assert sorted(len(c) for c in desk.messages.values()) == [1, 1, 1]
    with engine.connect() as conn:
        assert {(row["attempts"], row["claims"]) for row in outbox.items(conn)} == {(0, 2)}


def test_a_two_day_outage_dead_letters_nothing_and_a_dead_letter_can_be_retried(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "k", "zendesk", TICKET_PATCH, {}, now=NOW)
        moment = NOW
        while moment < NOW + timedelta(hours=48):
            [item] = outbox.claim(conn, "w", now=moment)
            assert outbox.fail(conn, item.id, "503 Service Unavailable", now=moment) == "pending"
            moment += outbox.backoff(item.attempts + 1)
        while outbox.fail(conn, item.id, "503", now=moment) == "pending":
            moment += timedelta(hours=1)
        assert moment >= NOW + outbox.RETRY_HORIZON - outbox.MAX_BACKOFF
        assert outbox.retry(conn, item.id)
        assert [i.id for i in outbox.claim(conn, "w")] == [item.id]
