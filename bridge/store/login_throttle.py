"""Failed log-ins, counted in the store per account name and per client address, so every web process (and one
just restarted) sees the same count.

A subject may fail FREE[kind] times in WINDOW; each further failure locks it for a delay that doubles from
FIRST_DELAY up to LONGEST_DELAY, counted from its latest failure. Subjects are kept as hashes, so a password
typed into the name field is never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, select

from bridge.store.schema import login_failures
from bridge.store.tickets import as_utc

WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
FREE = {"account": 5, "address": 20}


def subject(kind: str, value: str) -> str:
    """The stored form of an account name (`kind` "account", compared case-blind) or a client address."""
    return hashlib.sha256(f"{kind}:{value.strip().casefold()}".encode()).hexdigest()


def delay(kind: str, failures: int) -> timedelta:
    """How long `failures` failures within WINDOW lock a subject of `kind`, from its latest failure."""
    over = failures - FREE[kind]
    return timedelta(0) if over < 0 else min(FIRST_DELAY * 2**over, LONGEST_DELAY)


def locked_for(conn: Connection, subjects: dict[str, str], now: datetime) -> timedelta:
    """How long until `subjects` ({kind: subject}) may try again; zero when they may now."""
    rows = conn.execute(
        select(login_failures.c.subject, func.count(), func.max(login_failures.c.at))
        .where(login_failures.c.subject.in_(subjects.values()), login_failures.c.at > now - WINDOW)
        .group_by(login_failures.c.subject)
    ).all()
    kinds = {value: kind for kind, value in subjects.items()}
    wait = timedelta(0)
    for name, count, latest in rows:
        until = as_utc(latest)
        assert until is not None, "max() over at least one row"
        wait = max(wait, until + delay(kinds[name], count) - now)
    return wait


def record_failure(conn: Connection, subjects: Iterable[str], now: datetime) -> None:
    """Count one failed log-in against every subject; failures older than WINDOW are forgotten."""
    conn.execute(delete(login_failures).where(login_failures.c.at <= now - WINDOW))
    conn.execute(login_failures.insert(), [{"subject": name, "at": now} for name in subjects])


def forget(conn: Connection, name: str) -> None:
    """A successful log-in clears the failures of its account (never those of its address)."""
    conn.execute(delete(login_failures).where(login_failures.c.subject == name))
