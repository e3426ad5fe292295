"""Webhooks arriving together are stored by one writer per web process: each acknowledged delivery is stored
once, a repeat is reported as one, and a store failure reaches every request that waited on it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store import inbox
from bridge.store.engine import open_engine
from bridge.store.schema import inbox as inbox_rows
from bridge.web.app import create_app

SECRET = "hook-secret"


def jira_delivery(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"timestamp": 1_790_000_000_000 + n, "webhookEvent": "jira:issue_updated",
                       "issue": {"key": f"WISH-{n}", "fields": {"status": {"name": "Testing"}}},
                       "changelog": {"id": str(n), "items": [{"field": "status", "toString": "Testing"}]}}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={signature}",
                  "X-Atlassian-Webhook-Identifier": f"delivery-{n}"}


def jira_runtime(settings: Settings, engine: Engine) -> Runtime:
    runtime = Runtime(settings.replace(JIRA_URL="https://jira.example", JIRA_EMAIL="a@example.com",
                                       JIRA_API_TOKEN="t", JIRA_WEBHOOK_SECRET=SECRET))
    runtime.__dict__["engine"] = engine
    return runtime


def test_deliveries_sent_at_once_are_each_stored_once_and_repeats_are_told_apart(settings, engine):
    app = create_app(runtime=jira_runtime(settings, engine))
    sent = [n % 30 for n in range(60)]   # every delivery twice, the repeat racing the first

    def post(n: int) -> tuple[int, bool]:
        body, headers = jira_delivery(n)
        answer = app.test_client().post("/webhooks/jira", data=body, headers=headers)
        return answer.status_code, answer.get_json()["duplicate"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, sent))
    assert {status for status, _ in answers} == {202}
    assert sum(not duplicate for _, duplicate in answers) == 30
    with engine.connect() as conn:
        stored = conn.execute(select(inbox_rows.c.delivery_id, func.count()).group_by(inbox_rows.c.delivery_id))
        assert sorted(stored) == sorted((f"delivery-{n}", 1) for n in range(30))


def test_a_batch_repeating_a_delivery_and_one_stored_before_stores_only_the_new_one(engine):
    def delivery(source: str, delivery_id: str) -> inbox.Delivery:
        return inbox.Delivery(source, delivery_id, {}, "{}", [])

    with engine.begin() as conn:
        assert inbox.receive_many(conn, [delivery("jira", "a")]) == [True]
        assert inbox.receive_many(conn, [delivery("jira", "a"), delivery("jira", "b"), delivery("jira", "b"),
                                         delivery("zendesk", "a")]) == [False, True, False, True]
        assert len(inbox.pending(conn)) == 3


def test_a_store_that_fails_answers_every_waiting_request_with_an_error_and_stores_nothing(settings, engine):
    runtime = jira_runtime(settings, engine)
    app = create_app(runtime=runtime)
    with engine.begin() as conn:
        conn.execute(inbox_rows.delete())
    runtime.__dict__["engine"] = open_engine("sqlite:////nonexistent/folder/store.db")

    def post(n: int) -> int:
        body, headers = jira_delivery(n)
        return app.test_client().post("/webhooks/jira", data=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(post, range(8))) == {500}
    runtime.__dict__["engine"] = engine
    assert post(1) == 202
    with engine.connect() as conn:
        assert [row.delivery_id for row in conn.execute(select(inbox_rows.c.delivery_id))] == ["delivery-1"]


def test_an_idle_writer_ends_and_the_next_delivery_starts_another(settings, engine, monkeypatch):
    monkeypatch.setattr("bridge.web.inbox_writer.IDLE_SECONDS", 0.05)
    app = create_app(runtime=jira_runtime(settings, engine))

    def writers() -> set[threading.Thread]:
        return {thread for thread in threading.enumerate() if thread.name == "inbox-writer" and thread.is_alive()}

    others = writers()
    body, headers = jira_delivery(1)
    assert app.test_client().post("/webhooks/jira", data=body, headers=headers).status_code == 202
    deadline = time.monotonic() + 5
    while writers() - others and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not writers() - others
    body, headers = jira_delivery(2)
    answer = app.test_client().post("/webhooks/jira", data=body, headers=headers)
    assert (answer.status_code, answer.get_json()["duplicate"]) == (202, False)
