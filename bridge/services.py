"""The bridge's jobs, wired from a Runtime: sync helpdesks, drain the webhook inbox, drain the outbox.

The CLI, the worker's scheduler and the demo all call these, so each job exists once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection

from bridge.connector import Connector, build, configured
from bridge.dispatch import DrainSummary, Handler, drain, ticket_patch_handler
from bridge.ingest import SyncSummary, sync_once
from bridge.notify import TICKET_PATCH
from bridge.runtime import Runtime

log = logging.getLogger(__name__)


def helpdesk_connectors(runtime: Runtime, names: list[str] | None = None) -> dict[str, Connector]:
    return {name: build(name, runtime.settings) for name in (names or configured(runtime.settings))}


def intake(runtime: Runtime, conn: Connection, ticket_ids: list[int]) -> int:
    """Register the wishes of freshly stored wish tickets (grouping and routing included)."""
    from bridge.wishes import intake_tickets

    return intake_tickets(conn, ticket_ids, runtime.mappings)


def sync_sources(runtime: Runtime, names: list[str] | None = None,
                 progress: Callable[[SyncSummary], None] | None = None) -> list[SyncSummary]:
    summaries = []
    for name, connector in helpdesk_connectors(runtime, names).items():
        client = getattr(connector, "client", None)
        summaries.append(sync_once(
            runtime.engine, connector, runtime.mappings.helpdesk(name), intake=partial(intake, runtime),
            progress=progress, api_calls=(lambda c=client: c.calls if c else 0),
        ))
    return summaries


def outbox_handlers(runtime: Runtime) -> dict[str, Handler]:
    return {TICKET_PATCH: ticket_patch_handler(helpdesk_connectors(runtime))}


def drain_outbox(runtime: Runtime) -> DrainSummary:
    return drain(runtime.engine, outbox_handlers(runtime))
