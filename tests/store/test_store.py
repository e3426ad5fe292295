from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select

from bridge.model import Marking, Organization, Person, Ticket, TicketRef
from bridge.store import audit, cursors, inbox, outbox
from bridge.store.engine import upgrade
from bridge.store.schema import metadata, tickets
from bridge.store.tickets import mark_deleted, upsert_ticket

WHEN = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


def a_ticket(external_id: str = "101", subject: str = "Нужна агрегация кодов", **extra) -> Ticket:
    return Ticket(
        ref=TicketRef("zendesk", external_id), subject=subject, body="Просим добавить агрегацию",
        url=f"https://acme.zendesk.com/agent/tickets/{external_id}",
        requester=Person("7", "Ирина", "irina@example.ru", "ru"),
        organization=Organization("9", "Ромашка", {"tier": "enterprise"}), channel="email",
        tags=("пожелание", "маркировка"), created_at=WHEN, updated_at=WHEN, raw={"id": int(external_id)}, **extra,
    )


MARKING = Marking(is_wish=True, category="marking", subcategory="aggregation", segment="enterprise",
                  paid_accounts=40, channel="email", language="ru", tags=("маркировка", "пожелание"))


def test_migrations_create_every_table_on_an_empty_database(empty_engine):
    upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)  # a second run has nothing to do


def test_a_ticket_round_trips_with_its_marking(engine):
    with engine.begin() as conn:
        stored = upsert_ticket(conn, a_ticket(), MARKING)
    with engine.connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.id == stored.id)).one()
    assert stored.created
    assert (row.subject, row.category, row.subcategory, row.segment, row.paid_accounts) == (
        "Нужна агрегация кодов", "marking", "aggregation", "enterprise", 40)
    assert row.tags == ["маркировка", "пожелание"]
    assert row.raw == {"id": 101}
    assert row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC) == WHEN
    assert row.is_wish and not row.deleted


def test_upserting_the_same_ticket_twice_changes_nothing(engine):
    with engine.begin() as conn:
        first = upsert_ticket(conn, a_ticket(), MARKING, now=WHEN)
    with engine.begin() as conn:
        second = upsert_ticket(conn, a_ticket(), MARKING, now=WHEN + timedelta(hours=1))
        row = conn.execute(select(tickets.c.last_seen_at, func.count()).group_by(tickets.c.last_seen_at)).one()
    assert (second.id, second.created, second.changed) == (first.id, False, False)
    assert row[1] == 1
    assert row.last_seen_at.replace(tzinfo=UTC) == WHEN


def test_a_changed_ticket_is_updated_in_place(engine):
    with engine.begin() as conn:
        first = upsert_ticket(conn, a_ticket(), MARKING)
        second = upsert_ticket(conn, a_ticket(subject="Агрегация и расформирование"), MARKING)
        subject = conn.execute(select(tickets.c.subject)).scalar_one()
    assert (second.id, second.created, second.changed) == (first.id, False, True)
    assert subject == "Агрегация и расформирование"


def test_a_deleted_ticket_is_flagged_and_kept(engine):
    with engine.begin() as conn:
        upsert_ticket(conn, a_ticket(), MARKING)
        assert mark_deleted(conn, TicketRef("zendesk", "101"))
        assert not mark_deleted(conn, TicketRef("zendesk", "101"))
        assert conn.execute(select(tickets.c.deleted)).scalar_one()


def test_cursors_and_run_status_are_kept_per_connector(engine):
    with engine.begin() as conn:
        assert cursors.load_cursor(conn, "zendesk") is None
        cursors.save_cursor(conn, "zendesk", "abc")
        cursors.save_cursor(conn, "zendesk", "def")
        cursors.record_run(conn, "zendesk", stats={"new": 3}, error="RetriableError: 503")
    with engine.connect() as conn:
        [status] = cursors.sync_status(conn)
        assert cursors.load_cursor(conn, "zendesk") == "def"
    assert (status["cursor"], status["stats"], status["last_error"], status["last_success_at"]) == (
        "def", {"new": 3}, "RetriableError: 503", None)


def test_the_audit_trail_keeps_who_when_what_and_why(engine):
    with engine.begin() as conn:
        audit.record(conn, "group", 5, "decline", "pm@acme", reason="out of scope", details={"from": "grouped"})
        audit.record(conn, "group", 5, "reopen", "pm@acme", reason="new demand")
    with engine.connect() as conn:
        trail = audit.trail(conn, "group", 5)
    assert [(t["action"], t["actor"], t["reason"]) for t in trail] == [
        ("decline", "pm@acme", "out of scope"), ("reopen", "pm@acme", "new demand")]
    assert trail[0]["details"] == {"from": "grouped"}


def test_a_duplicate_webhook_delivery_is_stored_once(engine):
    with engine.begin() as conn:
        assert inbox.receive(conn, "jira", "d-1", {}, "{}", [{"kind": "status"}])
        assert not inbox.receive(conn, "jira", "d-1", {}, "{}", [{"kind": "status"}])
        assert inbox.receive(conn, "zendesk", "d-1", {}, "{}", [])
        [first, second] = inbox.pending(conn)
        inbox.mark_processed(conn, [first["id"]])
        inbox.mark_processed(conn, [second["id"]], error="boom")
        [left] = inbox.pending(conn)
    assert (left["source"], left["attempts"], left["error"]) == ("zendesk", 1, "boom")


def test_an_outbox_key_is_enqueued_once(engine):
    with engine.begin() as conn:
        assert outbox.enqueue(conn, "stage:planned:g1:e0:t1", "zendesk", "ticket_patch", {"n": 1})
        assert not outbox.enqueue(conn, "stage:planned:g1:e0:t1", "zendesk", "ticket_patch", {"n": 2})
        assert outbox.counts(conn) == {"pending": 1}


def test_a_batch_is_queued_as_one_item_at_a_time_would_be(engine):
    def item(key: str, lane: str, supersedes: bool = False) -> outbox.NewItem:
        return outbox.NewItem(key, "zendesk", "ticket_patch", {"key": key}, lane=lane, supersedable=True,
                              supersedes=supersedes)

    with engine.begin() as conn:
        outbox.enqueue(conn, "waiting", "zendesk", "ticket_patch", {}, lane="zendesk:7", supersedable=True, now=WHEN)
        added = outbox.enqueue_many(conn, [
            item("waiting", "zendesk:7"), item("a", "zendesk:7"), item("a", "zendesk:7"),
            item("b", "zendesk:7", supersedes=True), item("c", "zendesk:7"), item("d", "zendesk:8")], now=WHEN)
        states = {row["idempotency_key"]: row["state"] for row in outbox.items(conn)}
        assert added == 4
        assert states == {"waiting": "superseded", "a": "superseded", "b": "pending", "c": "pending",
                          "d": "pending"}
        assert [i.idempotency_key for i in outbox.claim(conn, "w", now=WHEN)] == ["b", "d"]


def test_two_workers_never_claim_the_same_item(engine):
    with engine.begin() as conn:
        for n in range(5):
            outbox.enqueue(conn, f"k{n}", "zendesk", "ticket_patch", {})
    with engine.begin() as conn:
        first = outbox.claim(conn, "worker-a", limit=3)
    with engine.begin() as conn:
        second = outbox.claim(conn, "worker-b", limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not {i.id for i in first} & {i.id for i in second}


def test_an_item_whose_worker_died_is_claimed_again_after_its_short_lease(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "k", "zendesk", "ticket_patch", {}, now=WHEN)
        [item] = outbox.claim(conn, "crashed", now=WHEN)
        assert outbox.claim(conn, "other", now=WHEN + outbox.LEASE / 2) == []
        [again] = outbox.claim(conn, "other", now=WHEN + outbox.LEASE + timedelta(seconds=1))
    assert again.id == item.id
    assert timedelta(minutes=1) >= outbox.LEASE


def test_a_heartbeat_keeps_a_live_workers_claim(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "k", "zendesk", "ticket_patch", {}, now=WHEN)
        [item] = outbox.claim(conn, "alive", now=WHEN)
        outbox.extend(conn, "alive", [item.id], now=WHEN + outbox.LEASE / 2)
        assert outbox.claim(conn, "other", now=WHEN + outbox.LEASE + timedelta(seconds=1)) == []


def test_failures_back_off_then_dead_letter_past_the_horizon_and_an_operator_can_retry(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "k", "zendesk", "ticket_patch", {}, now=WHEN)
        [item] = outbox.claim(conn, "w", now=WHEN)
        assert (item.attempts, item.claims) == (0, 1)
        assert outbox.fail(conn, item.id, "503", now=WHEN) == "pending"
        assert outbox.claim(conn, "w", now=WHEN + timedelta(seconds=59)) == []
        moment = WHEN + timedelta(minutes=1, seconds=1)
        [again] = outbox.claim(conn, "w", now=moment)
        assert (again.attempts, again.claims) == (1, 2)
        state = outbox.fail(conn, item.id, "503", now=moment)
        while state == "pending":
            moment += timedelta(hours=6)
            outbox.claim(conn, "w", now=moment)
            state = outbox.fail(conn, item.id, "503", now=moment)
        assert state == "dead" and moment > WHEN + outbox.RETRY_HORIZON - timedelta(hours=6)
        assert outbox.claim(conn, "w", now=moment + timedelta(days=30)) == []
        assert outbox.retry(conn, item.id)
        assert [i.id for i in outbox.claim(conn, "w")] == [item.id]


def test_a_try_after_a_crash_is_a_second_claim_but_no_failed_attempt(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "k", "zendesk", "ticket_patch", {}, now=WHEN)
        outbox.claim(conn, "crashed", now=WHEN)
        [again] = outbox.claim(conn, "other", now=WHEN + outbox.LEASE + timedelta(seconds=1))
    assert (again.claims, again.attempts, again.may_have_landed) == (2, 0, True)


def test_one_tickets_items_go_out_one_at_a_time_in_queue_order(engine):
    with engine.begin() as conn:
        for n in range(3):
            outbox.enqueue(conn, f"q{n}", "zendesk", "ticket_patch", {}, lane="zendesk:7", now=WHEN)
        outbox.enqueue(conn, "other", "zendesk", "ticket_patch", {}, lane="zendesk:8", now=WHEN)
        assert [i.idempotency_key for i in outbox.claim(conn, "w", now=WHEN)] == ["q0", "other"]
        assert outbox.claim(conn, "w", now=WHEN) == []


def test_a_fatal_failure_is_dead_at_once_and_retry_after_is_honoured(engine):
    with engine.begin() as conn:
        outbox.enqueue(conn, "fatal", "zendesk", "ticket_patch", {}, now=WHEN)
        outbox.enqueue(conn, "slow", "zendesk", "ticket_patch", {}, now=WHEN)
        fatal, slow = outbox.claim(conn, "w", now=WHEN)
        assert outbox.fail(conn, fatal.id, "404", fatal=True, now=WHEN) == "dead"
        outbox.fail(conn, slow.id, "429", retry_after=30, now=WHEN)
        assert outbox.claim(conn, "w", now=WHEN + timedelta(seconds=29)) == []
        assert [i.id for i in outbox.claim(conn, "w", now=WHEN + timedelta(seconds=31))] == [slow.id]


def test_backoff_doubles_and_is_capped():
    assert outbox.backoff(1) == timedelta(minutes=1)
    assert outbox.backoff(2) == timedelta(minutes=2)
    assert outbox.backoff(400) == outbox.MAX_BACKOFF


def test_a_page_is_upserted_in_one_go_with_new_changed_and_unchanged_tickets(engine):
    from bridge.store.tickets import upsert_tickets

    with engine.begin() as conn:
        upsert_ticket(conn, a_ticket("1"), MARKING)
        upsert_ticket(conn, a_ticket("2"), MARKING)
        results = upsert_tickets(conn, [(a_ticket("2"), MARKING), (a_ticket("3"), MARKING),
                                        (a_ticket("1", subject="Новая тема"), MARKING)])
        subjects = dict(conn.execute(select(tickets.c.external_id, tickets.c.subject)).all())
    assert [(r.created, r.changed) for r in results] == [(False, False), (True, True), (False, True)]
    assert subjects == {"1": "Новая тема", "2": "Нужна агрегация кодов", "3": "Нужна агрегация кодов"}
