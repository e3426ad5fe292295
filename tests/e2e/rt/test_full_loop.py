"""The whole loop against a real Request Tracker and the sandbox Jira, run twice:
tickets in RT -> wishes -> a group approved -> an epic -> a Jira status change -> the stage message as
correspondence on every RT ticket. The second run must write nothing anywhere."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import Engine, select

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store.schema import sync_cursors, tickets, wish_tickets, wishes
from bridge.worker import jobs as services
from bridge.workflow.lifecycle import decide, route
from sandboxes.jira import DEMO_USER, SANDBOX_EMAIL, SANDBOX_TOKEN
from tests.jira_helpers import served_jira

pytestmark = pytest.mark.e2e
TIMEOUT = 30
TEXT = "Нужна выгрузка отчёта по кодам маркировки в Excel, каждый месяц для бухгалтерии"


def create(http: requests.Session, rt_server, requestor: str, subject: str) -> str:
    resp = http.post(f"{rt_server.rest2}/ticket", timeout=TIMEOUT, json={
        "Queue": rt_server.queue, "Subject": subject, "Requestor": requestor, "Content": TEXT,
        "ContentType": "text/plain", "CustomFields": {"Category": "Отчёты", "Subcategory": "Выгрузки"}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def correspondence(http: requests.Session, rt_server, ticket_id: str) -> list[str]:
    """The messages of the ticket's Correspond transactions (HTML, with the bridge's marker), oldest first."""
    base = f"{rt_server.rest2}/ticket/{ticket_id}"
    history = http.get(f"{base}/history", params={"fields": "Type", "per_page": 100}, timeout=TIMEOUT).json()
    ids = {t["id"] for t in history["items"] if t["Type"] == "Correspond"}
    parts = http.get(f"{base}/attachments", timeout=TIMEOUT,
                     params={"fields": "TransactionId,ContentType,Content", "per_page": 100}).json()
    return [a["Content"] for a in parts["items"] if a["TransactionId"] in ids and a["ContentType"] == "text/html"]


def group_of(engine: Engine, external_ids: list[str]) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(
            select(wishes.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
            .join(tickets, tickets.c.id == wish_tickets.c.ticket_id)
            .where(tickets.c.source == "rt", tickets.c.external_id.in_(external_ids))
            .order_by(tickets.c.id)).scalars())


def one_round(runtime: Runtime) -> None:
    """What the worker does on each tick: poll RT, act on Jira, tell the customers."""
    services.sync_sources(runtime, ["rt"])
    services.drain_outbox(runtime)
    services.reconcile_trackers(runtime)
    services.drain_outbox(runtime)


@pytest.mark.parametrize("empty_engine", ["sqlite"], indirect=True)
def test_rt_tickets_become_an_epic_and_hear_each_stage_once_over_two_runs(engine, settings: Settings,
                                                                          rt_server):
    http = requests.Session()
    http.headers.update({"Authorization": f"token {rt_server.token}", "Accept": "application/json"})
    run = uuid.uuid4().hex[:6]
    ids = [create(http, rt_server, f"{name}-{run}@example.com", f"Выгрузка кодов в Excel {run}")
           for name in ("anna", "boris", "vera")]

    with served_jira() as (jira, sandbox):
        runtime = Runtime(settings.replace(
            RT_URL=rt_server.url, RT_TOKEN=rt_server.token, RT_QUEUE=rt_server.queue, JIRA_URL=jira.client.base_url,
            JIRA_EMAIL=SANDBOX_EMAIL, JIRA_API_TOKEN=SANDBOX_TOKEN))
        runtime.__dict__["engine"] = engine

        one_round(runtime)
        groups = group_of(engine, ids)
        assert len(groups) == 3 and len(set(groups)) == 1, "the same wish from three customers is one group"
        target = groups[0]
        with engine.begin() as conn:
            route(conn, runtime.mappings, target, "analyst", "pm")
            decide(conn, runtime.mappings, target, "approve", "pm")
        one_round(runtime)
        (epic,) = sandbox.issues.values()
        sandbox.transition(epic, "21", DEMO_USER)  # Start progress: "In Progress" -> in_development
        one_round(runtime)

        told = {ticket_id: correspondence(http, rt_server, ticket_id) for ticket_id in ids}
        with engine.begin() as conn:  # the second run reads every RT ticket again from the start
            conn.execute(sync_cursors.delete())
        one_round(runtime)
        one_round(runtime)

        assert len(sandbox.issues) == 1
        assert {ticket_id: correspondence(http, rt_server, ticket_id) for ticket_id in ids} == told
    for texts in told.values():
        # the approval is told once the epic exists, so "in analysis" went out before it
        assert len(texts) == len(set(texts)) == 4
        assert "зарегистрировано" in texts[0] and "взято в анализ" in texts[1]
        assert "одобрено" in texts[2] and "в разработке" in texts[3]
        assert all("<!-- wishbridge wb_" in text for text in texts), "RT keeps the marker with the message"
