"""The bridge's jobs, wired from a Runtime: sync helpdesks, drain the webhook inbox, drain the outbox.

The CLI, the worker's scheduler and the demo all call these, so each job exists once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from bridge.errors import reason
from bridge.logs import describe
from bridge.model import WebhookEvent
from bridge.outbox.drain import DrainSummary, Handler, batch_limits, drain, ticket_patch_handler
from bridge.outbox.follow_up import queue_follow_ups
from bridge.outbox.notify import TICKET_PATCH
from bridge.ports import Helpdesk
from bridge.reports.releases import ReleaseRules
from bridge.runtime import Runtime
from bridge.store import inbox
from bridge.sync.pull import Intake, SyncSummary, failure_recorded, store_tickets, sync_once
from bridge.sync.replies import collect_replies
from bridge.tracker.epics import epic_handlers
from bridge.tracker.status import handle_tracker_events, reconcile
from bridge.workflow.lifecycle import intake_tickets

log = logging.getLogger(__name__)
INBOX_CHUNK = 20


def helpdesk_connectors(runtime: Runtime) -> dict[str, Helpdesk]:
    return {name: runtime.helpdesk(name) for name in runtime.configured("helpdesk")}


def intake(runtime: Runtime, conn: Connection, ticket_ids: list[int], door: str = "helpdesk") -> int:
    """Register the wishes of freshly stored wish tickets (grouping included)."""
    return intake_tickets(conn, ticket_ids, runtime.mappings, door=door)


def api_calls(connector: Helpdesk) -> int:
    """HTTP requests the connector's client has sent so far (0 for a connector without a counting client)."""
    client = getattr(connector, "client", None)
    return int(getattr(client, "calls", 0))


def intake_for_run(runtime: Runtime, door: str = "helpdesk") -> Intake:
    """Wish intake for one sync or import run, against the process's live grouping index (bridge.grouping.live)."""
    return partial(intake, runtime, door=door)


def sync_source(runtime: Runtime, name: str,
                progress: Callable[[SyncSummary], None] | None = None) -> SyncSummary:
    """Pull one helpdesk's changes, then collect the customers' answers on its asked tickets that changed. Never
    raises: a failure (building the connector included) is recorded for the operations page, logged with its
    reason but no ticket data, and returned as the summary's `error`."""
    try:
        with failure_recorded(runtime.engine, name, SyncSummary(name)):
            connector = runtime.helpdesk(name)
            mapping = runtime.mappings.helpdesk(name)
        summary = sync_once(runtime.engine, connector, mapping, intake=intake_for_run(runtime), progress=progress,
                            api_calls=partial(api_calls, connector))
        with failure_recorded(runtime.engine, name, summary):
            summary.replies = collect_replies(runtime.engine, connector)
        return summary
    except Exception as error:
        why = reason(error)
        log.error("sync.failed %s: %s", name, why, extra={"source": name, "error": why})
        log.debug("sync.failed traceback", exc_info=True, extra={"source": name})
        return SyncSummary(name, error=why)


def sync_sources(runtime: Runtime, names: list[str] | None = None,
                 progress: Callable[[SyncSummary], None] | None = None) -> list[SyncSummary]:
    """Every helpdesk (default: each configured one) in name order, each on its own: one failing never stops
    the others. Failed ones carry their `error`."""
    return [sync_source(runtime, name, progress) for name in names or runtime.configured("helpdesk")]


def _handle_events(runtime: Runtime, connectors: dict[str, Helpdesk], conn: Connection,
                   events: list[WebhookEvent]) -> None:
    """Events in order: a helpdesk event re-reads its ticket; a run of one tracker's events is observed together."""
    for (source, is_helpdesk), run in groupby(events, key=lambda event: (event.source, event.source in connectors)):
        if not is_helpdesk:
            handle_tracker_events(conn, runtime.mappings, source, list(run))
            continue
        for event in run:
            if event.ref is not None:
                ticket = connectors[source].get_ticket(event.ref)
                wish_ids = store_tickets(conn, [ticket], runtime.mappings.helpdesk(source), SyncSummary(source))
                if wish_ids:
                    intake(runtime, conn, wish_ids)


def drain_inbox(runtime: Runtime, limit: int = 200, budget_seconds: float = 20.0) -> int:
    """Act on stored webhook deliveries, oldest first, until none is left (or `budget_seconds` passed): a
    helpdesk event re-reads its ticket, a tracker event moves its wish group. A chunk of deliveries is handled
    in one transaction; when one of them fails, the chunk is handled again one delivery per transaction, so
    a failing delivery is retried at the next drain and blocks no other. Returns how many were handled."""
    connectors = helpdesk_connectors(runtime)
    handled, last, deadline = 0, 0, time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        with runtime.engine.connect() as conn:
            rows = inbox.pending(conn, limit, after=last)
        if not rows:
            break
        last = rows[-1]["id"]
        for chunk in (rows[start:start + INBOX_CHUNK] for start in range(0, len(rows), INBOX_CHUNK)):
            try:
                with runtime.engine.begin() as conn:
                    _handle_deliveries(runtime, connectors, conn, chunk)
            except Exception:
                for row in chunk:
                    _handle_alone(runtime, connectors, row)
        handled += len(rows)
    return handled


def _handle_deliveries(runtime: Runtime, connectors: dict[str, Helpdesk], conn: Connection,
                       rows: list[dict[str, Any]]) -> None:
    _handle_events(runtime, connectors, conn, [WebhookEvent.from_record(record) for row in rows
                                               for record in row["events"]])
    inbox.mark_processed(conn, [row["id"] for row in rows])


def _handle_alone(runtime: Runtime, connectors: dict[str, Helpdesk], row: dict[str, Any]) -> None:
    try:
        with runtime.engine.begin() as conn:
            _handle_deliveries(runtime, connectors, conn, [row])
    except Exception as error:
        log.exception("inbox.failed", extra={"delivery": row["delivery_id"]})
        with runtime.engine.begin() as conn:
            inbox.mark_processed(conn, [row["id"]], error=describe(error))


def outbox_handlers(runtime: Runtime) -> dict[str, Handler]:
    handlers = {TICKET_PATCH: ticket_patch_handler(helpdesk_connectors(runtime))}
    tracker = runtime.tracker()
    if tracker is not None:
        handlers.update(epic_handlers(runtime.engine, tracker, runtime.mappings))
    return handlers


def reconcile_trackers(runtime: Runtime) -> int:
    """Catch tracker changes a webhook missed; returns how many stage changes it found (0 without a tracker)."""
    tracker = runtime.tracker()
    return reconcile(runtime.engine, tracker, runtime.mappings) if tracker is not None else 0


def follow_up_releases(runtime: Runtime) -> int:
    """Queue the due follow-ups of released critical changes (bridge.outbox.follow_up); returns items added."""
    with runtime.engine.begin() as conn:
        return queue_follow_ups(conn, runtime.mappings, ReleaseRules.from_settings(runtime.settings))


def drain_outbox(runtime: Runtime, budget_seconds: float = 30.0) -> DrainSummary:
    """Drain until nothing is due (or `budget_seconds` passed); the summary adds up every round."""
    handlers, limits = outbox_handlers(runtime), batch_limits(helpdesk_connectors(runtime))
    first_retry = timedelta(seconds=int(runtime.settings["OUTBOX_FIRST_RETRY_SECONDS"]))
    total, deadline = DrainSummary(), time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        summary = drain(runtime.engine, handlers, limits=limits, first_retry=first_retry)
        total.add(summary)
        if not summary.done:
            break
    return total
