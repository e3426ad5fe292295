"""Draining the outbox: claim due items, apply them (in batches where the target allows), record outcomes.

A handler takes the items of one batch and returns, per item id, None (done) or the error it met. Items
that share a batch key carry the same change to different tickets; each still succeeds or fails on its own.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from bridge.connector import Connector
from bridge.errors import FatalError, RetriableError
from bridge.model import TicketRef
from bridge.notify import TICKET_PATCH, patch_from_payload
from bridge.store import outbox
from bridge.store.outbox import OutboxItem

log = logging.getLogger(__name__)
Outcomes = Mapping[int, Exception | None]
Handler = Callable[[Sequence[OutboxItem]], Outcomes]
BATCH_LIMITS = {"zendesk": 100}


@dataclass
class DrainSummary:
    done: int = 0
    retrying: int = 0
    dead: int = 0
    calls: list[tuple[str, int]] = field(default_factory=list)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def ticket_patch_handler(connectors: Mapping[str, Connector]) -> Handler:
    """Applies one batch of identical ticket patches through the helpdesk's connector."""

    def handle(items: Sequence[OutboxItem]) -> Outcomes:
        first = items[0]
        connector = connectors.get(first.target)
        if connector is None:
            return {item.id: FatalError(f"no configured connector '{first.target}'") for item in items}
        refs = {TicketRef(first.target, item.payload["external_id"]): item.id for item in items}
        key = first.batch_key or first.idempotency_key
        result = connector.apply(list(refs), patch_from_payload(first.payload["patch"]), idempotency_key=key,
                                 attempt=max(item.attempts for item in items))
        return {item_id: result.get(ref, RetriableError("no outcome reported")) for ref, item_id in refs.items()}

    return handle


def _batches(items: Sequence[OutboxItem]) -> list[list[OutboxItem]]:
    """Items sharing (target, kind, batch key) go together, at most the target's bulk limit at a time; batches
    keep the order their first items were queued in, so a customer hears the stages in order."""
    groups: dict[tuple[str, str, str | int], list[OutboxItem]] = {}
    for item in sorted(items, key=lambda i: i.id):
        groups.setdefault((item.target, item.kind, item.batch_key or item.id), []).append(item)
    size = {target: BATCH_LIMITS.get(target, 100) for target, _, _ in groups}
    return [members[start:start + size[target]]
            for (target, _, _), members in groups.items() for start in range(0, len(members), size[target])]


def drain(engine: Engine, handlers: Mapping[str, Handler], *, limit: int = 500,
          worker: str | None = None) -> DrainSummary:
    """Apply every due item once (up to `limit`); failures are scheduled again or dead-lettered."""
    summary = DrainSummary()
    with engine.begin() as conn:
        claimed = outbox.claim(conn, worker or worker_id(), limit=limit)
    for batch in _batches(claimed):
        handler = handlers.get(batch[0].kind)
        try:
            if handler is None:
                raise FatalError(f"no handler for outbox items of kind '{batch[0].kind}'")
            outcomes = handler(batch)
        except Exception as error:  # one broken batch must not stop the others
            outcomes = {item.id: error for item in batch}
        summary.calls.append((batch[0].target, len(batch)))
        with engine.begin() as conn:
            for item in batch:
                _record(conn, item, outcomes.get(item.id, RetriableError("no outcome reported")), summary)
    return summary


def _record(conn: Connection, item: OutboxItem, error: Exception | None, summary: DrainSummary) -> None:
    if error is None:
        outbox.complete(conn, item.id)
        summary.done += 1
        return
    retry_after = error.retry_after if isinstance(error, RetriableError) else None
    fatal = isinstance(error, FatalError)
    state = outbox.fail(conn, item.id, f"{error.__class__.__name__}: {error}", retry_after=retry_after,
                        fatal=fatal)
    log.warning("outbox.failed", extra={"key": item.idempotency_key, "state": state, "error": str(error)})
    if state == "dead":
        summary.dead += 1
    else:
        summary.retrying += 1


__all__ = ["TICKET_PATCH", "DrainSummary", "Handler", "drain", "ticket_patch_handler"]
