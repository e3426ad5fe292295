"""The empty store a benchmark fills: a SQLite file in a folder, or a new PostgreSQL database on the server a
URL names, dropped afterwards (so no run sees another's rows)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


@contextmanager
def fresh_store(choice: str, folder: Path) -> Iterator[str]:
    """The URL of an empty store: `choice` is "sqlite" or a PostgreSQL URL whose server gets a new database."""
    if choice == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    server = make_url(choice).set(drivername="postgresql+psycopg")
    name = f"wishbridge_bench_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
