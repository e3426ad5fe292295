"""Draining the outbox: claim due items, apply them (in batches where the target allows), record outcomes.

A handler takes the items of one batch and returns, per item id, None (done) or the error it met. A batch is
only a transport: every ticket write in it carries its own patch, rendered for its own customer, and the
outbox hands out at most one item per ticket at a time. While a drain works, a heartbeat renews the lease
on its claims, so a live worker never loses them and a crashed one parks them only briefly.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, Engine

from bridge.errors import FatalError, RetriableError
from bridge.logs import describe
from bridge.model import TicketRef, TicketWrite
from bridge.outbox.notify import TICKET_PATCH, patch_from_payload
from bridge.ports import Helpdesk
from bridge.store import outbox
from bridge.store.outbox import OutboxItem

log = logging.getLogger(__name__)
Outcomes = Mapping[int, Exception | None]
Handler = Callable[[Sequence[OutboxItem]], Outcomes]


@dataclass
class DrainSummary:
    done: int = 0
    retrying: int = 0
    dead: int = 0
    calls: list[tuple[str, int]] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.done + self.retrying + self.dead

    def add(self, other: DrainSummary) -> None:
        self.done += other.done
        self.retrying += other.retrying
        self.dead += other.dead
        self.calls += other.calls


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def ticket_write(item: OutboxItem) -> TicketWrite:
    return TicketWrite(TicketRef(item.target, item.payload["external_id"]), patch_from_payload(item.payload["patch"]),
                       item.idempotency_key, check=item.may_have_landed)


def ticket_patch_handler(connectors: Mapping[str, Helpdesk]) -> Handler:
    """Applies one batch of ticket writes, each with its own patch, through the helpdesk's connector."""

    def handle(items: Sequence[OutboxItem]) -> Outcomes:
        connector = connectors.get(items[0].target)
        if connector is None:
            return {item.id: FatalError(f"no configured connector '{items[0].target}'") for item in items}
        result = connector.apply([ticket_write(item) for item in items])
        return {item.id: result.get(item.idempotency_key, RetriableError("no outcome reported")) for item in items}

    return handle


def batch_limits(connectors: Mapping[str, Helpdesk]) -> dict[str, int]:
    return {name: connector.batch_size for name, connector in connectors.items()}


def _batches(items: Sequence[OutboxItem], limits: Mapping[str, int]) -> list[list[OutboxItem]]:
    """Items of one (target, kind) go together, at most the target's batch size at a time, in queue order;
    ticket patches only (other kinds are applied one by one)."""
    groups: dict[tuple[str, str], list[OutboxItem]] = {}
    for item in sorted(items, key=lambda i: i.id):
        groups.setdefault((item.target, item.kind), []).append(item)
    batches: list[list[OutboxItem]] = []
    for (target, kind), members in groups.items():
        size = max(limits.get(target, 1), 1) if kind == TICKET_PATCH else 1
        batches.extend(members[start:start + size] for start in range(0, len(members), size))
    return sorted(batches, key=lambda batch: batch[0].id)


@contextmanager
def _heartbeat(engine: Engine, worker: str, item_ids: list[int]) -> Iterator[None]:
    """Renew the lease on `item_ids` every third of a lease until the block ends."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(outbox.LEASE.total_seconds() / 3):
            try:
                with engine.begin() as conn:
                    outbox.extend(conn, worker, item_ids)
            except Exception as error:  # a missed beat only shortens the lease
                log.warning("outbox.heartbeat_failed", extra={"worker": worker, "error": str(error)})

    thread = threading.Thread(target=beat, name="outbox-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def drain(engine: Engine, handlers: Mapping[str, Handler], *, limit: int = 3000, worker: str | None = None,
          limits: Mapping[str, int] | None = None, first_retry: timedelta = outbox.FIRST_RETRY) -> DrainSummary:
    """Apply every due item once (up to `limit`); failures are scheduled again or dead-lettered."""
    summary = DrainSummary()
    worker = worker or worker_id()
    with engine.begin() as conn:
        claimed = outbox.claim(conn, worker, limit=limit)
    if not claimed:
        return summary
    with _heartbeat(engine, worker, [item.id for item in claimed]):
        for batch in _batches(claimed, limits or {}):
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
                    _record(conn, item, outcomes.get(item.id, RetriableError("no outcome reported")), summary,
                            first_retry)
    return summary


def release_stale_claims(engine: Engine, worker: str | None = None) -> int:
    """At the single worker's start: claims of any other (dead) worker go back in line at once."""
    with engine.begin() as conn:
        released = outbox.release(conn, worker or worker_id())
    if released:
        log.info("outbox.released", extra={"items": released})
    return released


def _record(conn: Connection, item: OutboxItem, error: Exception | None, summary: DrainSummary,
            first_retry: timedelta) -> None:
    if error is None:
        outbox.complete(conn, item.id)
        summary.done += 1
        return
    retry_after = error.retry_after if isinstance(error, RetriableError) else None
    fatal = isinstance(error, FatalError)
    state = outbox.fail(conn, item.id, describe(error), retry_after=retry_after, fatal=fatal,
                        first_retry=first_retry)
    log.warning("outbox.failed", extra={"key": item.idempotency_key, "target": item.target, "state": state,
                                        "error": str(error)})
    if state == "dead":
        summary.dead += 1
    else:
        summary.retrying += 1


__all__ = ["TICKET_PATCH", "DrainSummary", "Handler", "batch_limits", "drain", "release_stale_claims",
           "ticket_patch_handler"]
