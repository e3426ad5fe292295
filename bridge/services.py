"""The bridge's jobs, wired from a Runtime: sync helpdesks, drain the webhook inbox, drain the outbox.

The CLI, the worker's scheduler and the demo all call these, so each job exists once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection

from bridge.connector import Connector, configured
from bridge.dispatch import DrainSummary, Handler, drain, ticket_patch_handler
from bridge.epics import epic_handlers
from bridge.ingest import Intake, SyncSummary, store_tickets, sync_once
from bridge.model import WebhookEvent
from bridge.notify import TICKET_PATCH
from bridge.runtime import Runtime
from bridge.store import inbox
from bridge.tracker_status import reconcile
from bridge.webhooks import event_from_record
from connectors.jira import JiraConnector

log = logging.getLogger(__name__)


def helpdesk_connectors(runtime: Runtime, names: list[str] | None = None) -> dict[str, Connector]:
    return {name: runtime.connector(name) for name in (names or configured(runtime.settings))}


def intake(runtime: Runtime, conn: Connection, ticket_ids: list[int], door: str = "helpdesk") -> int:
    """Register the wishes of freshly stored wish tickets (grouping included)."""
    from bridge.wishes import intake_tickets

    return intake_tickets(conn, ticket_ids, runtime.mappings, door=door)


def api_calls(connector: Connector) -> int:
    """HTTP requests the connector's client has sent so far (0 for a connector without a counting client)."""
    client = getattr(connector, "client", None)
    return int(getattr(client, "calls", 0))


def intake_for_run(runtime: Runtime, door: str = "helpdesk") -> Intake:
    """Wish intake for one sync or import run, against the process's live grouping index (bridge.live_index)."""
    return partial(intake, runtime, door=door)


def sync_sources(runtime: Runtime, names: list[str] | None = None,
                 progress: Callable[[SyncSummary], None] | None = None) -> list[SyncSummary]:
    summaries = []
    for name, connector in helpdesk_connectors(runtime, names).items():
        summaries.append(sync_once(
            runtime.engine, connector, runtime.mappings.helpdesk(name), intake=intake_for_run(runtime),
            progress=progress, api_calls=partial(api_calls, connector),
        ))
    return summaries


def _handle_event(runtime: Runtime, connectors: dict[str, Connector], conn: Connection,
                  event: WebhookEvent) -> None:
    if event.source in connectors and event.ref is not None:
        ticket = connectors[event.source].get_ticket(event.ref)
        summary = SyncSummary(event.source)
        wish_ids = store_tickets(conn, [ticket], runtime.mappings.helpdesk(event.source), summary)
        if wish_ids:
            intake(runtime, conn, wish_ids)
    elif event.issue_key is not None:
        from bridge.tracker_status import handle_tracker_event

        handle_tracker_event(conn, runtime.mappings, event)


def drain_inbox(runtime: Runtime, limit: int = 100) -> int:
    """Act on stored webhook deliveries, oldest first: a helpdesk event re-reads its ticket, a tracker event
    moves its wish group. Each delivery is handled in its own transaction; a failing one is retried later."""
    with runtime.engine.connect() as conn:
        rows = inbox.pending(conn, limit)
    connectors = helpdesk_connectors(runtime)
    for row in rows:
        try:
            with runtime.engine.begin() as conn:
                for record in row["events"]:
                    _handle_event(runtime, connectors, conn, event_from_record(record))
                inbox.mark_processed(conn, row["id"])
        except Exception as error:
            log.exception("inbox.failed", extra={"delivery": row["delivery_id"]})
            with runtime.engine.begin() as conn:
                inbox.mark_processed(conn, row["id"], error=f"{error.__class__.__name__}: {error}")
    return len(rows)


def jira_connector(runtime: Runtime) -> JiraConnector | None:
    jira = runtime.connector("jira") if runtime.settings.configured("jira") else None
    assert jira is None or isinstance(jira, JiraConnector)
    return jira


def outbox_handlers(runtime: Runtime) -> dict[str, Handler]:
    handlers = {TICKET_PATCH: ticket_patch_handler(helpdesk_connectors(runtime))}
    jira = jira_connector(runtime)
    if jira is not None:
        handlers.update(epic_handlers(runtime.engine, jira, runtime.mappings))
    return handlers


def reconcile_trackers(runtime: Runtime) -> int:
    """Catch Jira changes a webhook missed; returns how many stage changes it found (0 without Jira)."""
    jira = jira_connector(runtime)
    return reconcile(runtime.engine, jira, runtime.mappings) if jira is not None else 0


def drain_outbox(runtime: Runtime) -> DrainSummary:
    return drain(runtime.engine, outbox_handlers(runtime))
