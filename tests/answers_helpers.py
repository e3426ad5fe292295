"""A sandbox Zendesk with two customers' wish tickets, served on loopback, and the steps of asking them: sync, ask,
deliver the question, and the customers' (or agents') comments in the sandbox. Used by the answers tests (issue #16
item 6) of tests/flows and tests/web."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store.schema import tickets, wish_tickets, wishes
from bridge.worker import jobs
from bridge.workflow import lifecycle
from sandboxes.zendesk import ZendeskSandbox, create_sandbox, load_seed, sandbox_of, serve_in_thread
from tests.conftest import ROOT

ANNA, JOHN, AGENT = 9001, 9002, 1  # the sandbox's API user (the bridge) is agent 1
TICKETS = [
    {"id": 201, "subject": "Агрегация коробов прямо в ТСД", "description": "Нужна агрегация коробов в ТСД.",
     "requester_id": ANNA, "organization_id": 501, "tags": ["wish"], "status": "open"},
    {"id": 202, "subject": "Export the stock report to Excel", "description": "Please add an Excel export.",
     "requester_id": JOHN, "organization_id": 502, "tags": ["wish"], "status": "open"},
]


@contextmanager
def served_zendesk(settings: Settings) -> Iterator[tuple[Runtime, ZendeskSandbox]]:
    """A Runtime whose only helpdesk is a sandbox Zendesk holding TICKETS (on the real clock)."""
    seed = {**load_seed(ROOT / "tests" / "fixtures" / "zendesk" / "seed.json"), "tickets": TICKETS}
    app = create_sandbox(seed, export_budget_per_minute=1000)
    url, stop = serve_in_thread(app)
    try:
        yield (Runtime(settings.replace(ZENDESK_URL=url, ZENDESK_EMAIL="bridge@example.com",
                                        ZENDESK_API_TOKEN="sandbox-token")), sandbox_of(app))
    finally:
        stop()


def sync(runtime: Runtime) -> Any:
    [summary] = jobs.sync_sources(runtime)
    assert summary.error is None, summary.error
    return summary


def ticket_id(runtime: Runtime, external_id: int) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(tickets.c.id).where(tickets.c.external_id == str(external_id))).scalar_one())


def group_of(runtime: Runtime, external_id: int) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(
            select(wishes.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
            .where(wish_tickets.c.ticket_id == ticket_id(runtime, external_id))).scalar_one())


def ask(runtime: Runtime, external_id: int, question: str) -> int:
    """Route the ticket's group to the analysts (unless it is there), ask its customers and deliver the question;
    returns the group."""
    group_id = group_of(runtime, external_id)
    with runtime.engine.begin() as conn:
        if lifecycle.load_group(conn, group_id).state != "in_analysis":
            lifecycle.route(conn, runtime.mappings, group_id, "analyst", "pm")
        lifecycle.ask_customers(conn, runtime.mappings, group_id, question, "analyst")
    summary = jobs.drain_outbox(runtime)
    assert not summary.dead and not summary.retrying
    return group_id


def write(sandbox: ZendeskSandbox, external_id: int, author: int, body: str, *, public: bool = True) -> None:
    """Someone writes on the ticket in Zendesk: its requester (an answer), another user, or an agent."""
    sandbox.update_ticket(external_id, {"comment": {"body": body, "public": public}}, author_id=author)
