"""The store: SQLite by default, PostgreSQL when several bridge processes share the work."""

from bridge.store.engine import open_engine, upgrade
from bridge.store.schema import metadata

__all__ = ["metadata", "open_engine", "upgrade"]
