"""The durable outbox of side effects (comments, ticket patches, epics, links).

Contract:
- `enqueue` is idempotent by key: the same key twice stores one item, in any state.
- Items of one `lane` (one helpdesk ticket) go out one at a time in queue order: only the oldest unfinished
  item of a lane can be claimed, so a customer never hears an older stage after a newer one. Enqueuing a
  `supersedes` item marks the lane's waiting `supersedable` items `superseded`: the customer hears the latest
  truth, not a replay of history.
- Workers `claim` due items with a short lease that `extend` renews while they work; a crashed worker's
  claims come back when the lease runs out, or at once through `release` when the single worker restarts.
  `claims` counts claims (a second one means an earlier try may have landed); `attempts` counts failed
  tries only, so a crash spends no retry budget.
- A failure backs off 1, 2, 4 … minutes (the first delay is a setting), capped at 30, and is retried
  until RETRY_HORIZON has passed since the item was queued (or retried by an operator), so a weekend outage
  of a vendor dead-letters nothing that would succeed later; a fatal error dead-letters at once. `retry`
  puts a dead item back in line.
- An item may wait: `not_before` keeps it from every claim until then (an undo window), and a `held` item is never
  claimed at all until `release_held` puts it in line (a message the product manager must see first). `withdraw`
  takes back items no worker has touched yet, all or nothing, and restores what they superseded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bridge.store.schema import outbox

LEASE = timedelta(seconds=60)
RETRY_HORIZON = timedelta(hours=72)
MAX_BACKOFF = timedelta(minutes=30)
UNFINISHED = ("pending", "claimed")
WAITING = ("pending", "dead", "held")
UNTOUCHED = ("pending", "held")   # states an item has before any worker claimed it (with claims = 0)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    target: str
    kind: str
    batch_key: str | None
    payload: dict[str, Any]
    attempts: int
    claims: int = 1

    @property
    def may_have_landed(self) -> bool:
        """An earlier claim of this item may have written it before a crash or a failed answer."""
        return self.claims > 1 or self.attempts > 0


FIRST_RETRY = timedelta(minutes=1)


def backoff(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    return min(first * 2 ** min(max(attempts - 1, 0), 16), MAX_BACKOFF)


@dataclass(frozen=True)
class NewItem:
    """An item to queue (see `enqueue`)."""

    key: str
    target: str
    kind: str
    payload: dict[str, Any]
    batch_key: str | None = None
    lane: str | None = None
    supersedable: bool = False
    supersedes: bool = False
    not_before: datetime | None = None
    held: bool = False


def enqueue(
    conn: Connection, key: str, target: str, kind: str, payload: dict[str, Any], *,
    batch_key: str | None = None, lane: str | None = None, supersedable: bool = False, supersedes: bool = False,
    now: datetime | None = None, not_before: datetime | None = None, held: bool = False,
) -> bool:
    """Add one item; False when an item with this key already exists (in any state). With `supersedes`,
    the lane's waiting supersedable items (pending, dead or held, never one in flight) are superseded, each
    remembering by whom and its state before (see `withdraw`). No claim takes the item before `not_before`;
    a `held` item waits for `release_held`."""
    item = NewItem(key, target, kind, payload, batch_key, lane, supersedable, supersedes, not_before, held)
    return enqueue_many(conn, [item], now=now) == 1


def enqueue_many(conn: Connection, items: list[NewItem], *, now: datetime | None = None) -> int:
    """`enqueue` each item in order, in a few statements; returns how many were added."""
    now = now or datetime.now(UTC)
    known = _existing_keys(conn, [item.key for item in items])
    fresh: list[NewItem] = []
    for item in items:
        if item.key not in known:
            known.add(item.key)
            fresh.append(item)
    if not fresh:
        return 0
    try:
        with conn.begin_nested():
            ids = conn.execute(outbox.insert().returning(outbox.c.id, sort_by_parameter_order=True),
                               [_values(item, now) for item in fresh]).scalars().all()
    except IntegrityError:  # another transaction queued one of these keys meanwhile: one at a time then
        return 0 if len(fresh) == 1 else sum(enqueue_many(conn, [item], now=now) for item in fresh)
    newest: dict[str, tuple[int, str]] = {item.lane: (new_id, item.key)
                                          for item, new_id in zip(fresh, ids, strict=True)
                                          if item.supersedes and item.lane}
    for lane, (newest_id, key) in newest.items():
        _supersede(conn, lane, newest_id, key, now)
    return len(fresh)


def _supersede(conn: Connection, lane: str, newest_id: int, key: str, now: datetime) -> None:
    """Mark the lane's waiting supersedable items queued before `newest_id` superseded by `key`."""
    waiting = conn.execute(select(outbox.c.id, outbox.c.state).where(
        outbox.c.lane == lane, outbox.c.supersedable, outbox.c.state.in_(WAITING), outbox.c.id < newest_id)).all()
    for state in {row.state for row in waiting}:
        conn.execute(
            update(outbox).where(outbox.c.id.in_([row.id for row in waiting if row.state == state]),
                                 outbox.c.state == state)
            .values(state="superseded", claimed_until=None, last_error=None, done_at=now,
                    result={"superseded_by": key, "was": state})
        )


def _existing_keys(conn: Connection, keys: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        found.update(conn.execute(select(outbox.c.idempotency_key)
                                  .where(outbox.c.idempotency_key.in_(keys[start:start + chunk]))).scalars())
    return found


def _values(item: NewItem, now: datetime) -> dict[str, Any]:
    start = max(now, item.not_before or now)
    return {"idempotency_key": item.key, "target": item.target, "kind": item.kind, "batch_key": item.batch_key,
            "payload": item.payload, "state": "held" if item.held else "pending", "attempts": 0, "claims": 0,
            "lane": item.lane, "supersedable": item.supersedable, "next_attempt_at": start, "created_at": now,
            "horizon_at": start + RETRY_HORIZON}


def _due(now: datetime) -> Any:
    return and_(
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.state == "pending", and_(outbox.c.state == "claimed", outbox.c.claimed_until < now)),
    )


def _heads_of_lanes() -> Any:
    """No older unfinished item waits in the same lane (items without a lane are always heads)."""
    older = aliased(outbox)
    return ~exists().where(older.c.lane == outbox.c.lane, older.c.id < outbox.c.id,
                           older.c.state.in_(UNFINISHED))


def claim(
    conn: Connection, worker: str, *, target: str | None = None, limit: int = 100, now: datetime | None = None,
) -> list[OutboxItem]:
    """Lease up to `limit` due items to `worker`, oldest first, at most one per lane. Safe under concurrent
    workers."""
    now = now or datetime.now(UTC)
    due = _due(now)
    if target:
        due = and_(due, outbox.c.target == target)
    query = select(outbox.c.id).where(due, _heads_of_lanes()).order_by(outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    conn.execute(
        update(outbox).where(outbox.c.id.in_(ids), due)
        .values(state="claimed", claimed_by=worker, claimed_until=now + LEASE, claims=outbox.c.claims + 1)
    )
    rows = conn.execute(
        select(outbox).where(outbox.c.id.in_(ids), outbox.c.claimed_by == worker, outbox.c.state == "claimed")
        .order_by(outbox.c.id)
    )
    return [
        OutboxItem(r.id, r.idempotency_key, r.target, r.kind, r.batch_key, dict(r.payload), r.attempts, r.claims)
        for r in rows
    ]


def extend(conn: Connection, worker: str, item_ids: Iterable[int], now: datetime | None = None) -> None:
    """Renew `worker`'s lease on the items it still holds (its heartbeat)."""
    now = now or datetime.now(UTC)
    conn.execute(
        update(outbox).where(outbox.c.id.in_(list(item_ids)), outbox.c.claimed_by == worker,
                             outbox.c.state == "claimed")
        .values(claimed_until=now + LEASE)
    )


def release(conn: Connection, except_worker: str, now: datetime | None = None) -> int:
    """Give back every claim not held by `except_worker` (the single worker restarting after a crash);
    the items keep their claim count, so their next try checks the vendor first. Returns how many."""
    now = now or datetime.now(UTC)
    result = conn.execute(
        update(outbox).where(outbox.c.state == "claimed", outbox.c.claimed_by != except_worker)
        .values(state="pending", claimed_until=None, next_attempt_at=now)
    )
    return int(result.rowcount or 0)


def complete(conn: Connection, item_id: int, result: dict[str, Any] | None = None) -> None:
    conn.execute(
        update(outbox).where(outbox.c.id == item_id)
        .values(state="done", done_at=datetime.now(UTC), result=result, claimed_until=None, last_error=None)
    )


def fail(conn: Connection, item_id: int, error: str, *, retry_after: float | None = None,
         fatal: bool = False, now: datetime | None = None, first_retry: timedelta = FIRST_RETRY) -> str:
    """Record a failed try; returns the new state ('pending' to retry later, or 'dead')."""
    now = now or datetime.now(UTC)
    row = conn.execute(select(outbox.c.attempts, outbox.c.horizon_at).where(outbox.c.id == item_id)).one()
    attempts = row.attempts + 1
    horizon = row.horizon_at if row.horizon_at.tzinfo else row.horizon_at.replace(tzinfo=UTC)
    delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(attempts, first_retry)
    state = "dead" if fatal or now + delay > horizon else "pending"
    conn.execute(
        update(outbox).where(outbox.c.id == item_id).values(
            state=state, attempts=attempts, last_error=error[:2000], claimed_until=None,
            next_attempt_at=now + delay,
        )
    )
    return state


def retry(conn: Connection, item_id: int, *, waiting: bool = False, payload: dict[str, Any] | None = None) -> bool:
    """Put a dead item (with `waiting`, a pending one too) back in line now with a fresh retry horizon, and with
    `payload` instead of its own when given (operator and product manager actions). False when the item is in
    flight, finished or unknown; its failed tries stay counted, so a retried write still checks first."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {"state": "pending", "next_attempt_at": now, "horizon_at": now + RETRY_HORIZON,
                              "last_error": None, **({"payload": payload} if payload is not None else {})}
    result = conn.execute(update(outbox).where(outbox.c.id == item_id, outbox.c.state.in_(
        WAITING if waiting else ("dead",))).values(**values))
    return bool(result.rowcount)


@dataclass(frozen=True)
class Withdrawal:
    withdrawn: int   # items taken back before any worker touched them
    gone: int        # matching items a worker has claimed, tried or finished: then nothing is taken back


def withdraw(conn: Connection, key_pattern: str) -> Withdrawal:
    """Take back every item whose key matches `key_pattern` (LIKE) while none of them has been claimed yet,
    and give the items they superseded their state back. All or nothing: when a matching item is, or has been,
    in a worker's hands (`gone` > 0), nothing is withdrawn — and a caller that sees `gone` after a race must
    roll its transaction back. Superseded matches are left alone.

    Safe against a concurrent drain on SQLite and PostgreSQL: the delete re-checks each row (still untouched),
    and a claim re-checks each row it takes (still there and due), so an item is either claimed or withdrawn."""
    rows = conn.execute(select(outbox.c.id, outbox.c.idempotency_key, outbox.c.lane, outbox.c.state,
                               outbox.c.claims)
                        .where(outbox.c.idempotency_key.like(key_pattern), outbox.c.state != "superseded")).all()
    untouched = [row for row in rows if row.state in UNTOUCHED and row.claims == 0]
    if len(untouched) < len(rows):
        return Withdrawal(0, len(rows) - len(untouched))
    if not rows:
        return Withdrawal(0, 0)
    deleted = conn.execute(outbox.delete().where(outbox.c.id.in_([row.id for row in rows]),
                                                 outbox.c.state.in_(UNTOUCHED), outbox.c.claims == 0)).rowcount
    if deleted < len(rows):
        return Withdrawal(int(deleted), len(rows) - int(deleted))
    _restore_superseded(conn, {row.lane for row in rows if row.lane}, {row.idempotency_key for row in rows})
    return Withdrawal(len(rows), 0)


def _restore_superseded(conn: Connection, lanes: set[str], by_keys: set[str]) -> None:
    """Items of `lanes` superseded by one of `by_keys` go back to the state they had."""
    rows = conn.execute(select(outbox.c.id, outbox.c.result)
                        .where(outbox.c.lane.in_(lanes), outbox.c.state == "superseded")).all()
    for row in rows:
        marker = row.result or {}
        if marker.get("superseded_by") in by_keys:
            conn.execute(update(outbox).where(outbox.c.id == row.id, outbox.c.state == "superseded")
                         .values(state=marker.get("was", "pending"), done_at=None, result=None))


def held_items(conn: Connection, key_pattern: str) -> list[dict[str, Any]]:
    """Held items whose key matches `key_pattern` (LIKE), oldest first."""
    rows = conn.execute(select(outbox).where(outbox.c.idempotency_key.like(key_pattern), outbox.c.state == "held")
                        .order_by(outbox.c.id))
    return [dict(row._mapping) for row in rows]


def release_held(conn: Connection, item_id: int, payload: dict[str, Any] | None = None, *,
                 now: datetime | None = None) -> bool:
    """Put a held item in line (with `payload` instead of its own, when given), not before the time it was queued
    for (an undo window still open stays open); False when it is not held."""
    now = now or datetime.now(UTC)
    start = case((outbox.c.next_attempt_at > now, outbox.c.next_attempt_at), else_=now)
    values: dict[str, Any] = {"state": "pending", "next_attempt_at": start, "horizon_at": now + RETRY_HORIZON}
    if payload is not None:
        values["payload"] = payload
    result = conn.execute(update(outbox).where(outbox.c.id == item_id, outbox.c.state == "held").values(**values))
    return bool(result.rowcount)


def rewrite_held(conn: Connection, item_id: int, payload: dict[str, Any]) -> bool:
    """Give a held item a new payload and keep it held; False when it is not held."""
    result = conn.execute(update(outbox).where(outbox.c.id == item_id, outbox.c.state == "held")
                          .values(payload=payload))
    return bool(result.rowcount)


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {state: int(n) for state, n in rows}


def items(conn: Connection, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if state:
        query = query.where(outbox.c.state == state)
    return [dict(row._mapping) for row in conn.execute(query)]
