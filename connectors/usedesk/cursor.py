"""Where the change stream stands. Usedesk's ticket list filters by `updated_after` (inclusive, UTC, written
'2016-11-25 00:00': https://api.usedocs.com/article/51376) and pages by `offset`; it has no opaque cursor,
so the bridge keeps its own: the last `last_updated_at` read and the ids read at exactly that second, written
"2026-01-01 10:00:05|11,12". The list is asked from the cursor's minute (the documented example is
minute-precise) and what was read before is dropped here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def stamp(item: Mapping[str, Any]) -> str:
    """A list item's `last_updated_at`, checked to be "YYYY-MM-DD HH:MM:SS"."""
    value = str(item.get("last_updated_at") or "")
    datetime.strptime(value, TIME_FORMAT)
    return value


@dataclass(frozen=True)
class Position:
    """Nothing read yet when `updated_at` is empty."""

    updated_at: str = ""
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str | None) -> Position:
        if not cursor:
            return cls()
        updated_at, _, ids = cursor.partition("|")
        datetime.strptime(updated_at, TIME_FORMAT)
        return cls(updated_at, frozenset(filter(None, ids.split(","))))

    def __str__(self) -> str:
        return f"{self.updated_at}|{','.join(sorted(self.ids, key=lambda i: (len(i), i)))}"

    @property
    def window(self) -> str | None:
        """The `updated_after` value that reaches back to this position: its minute."""
        return self.updated_at[:16] if self.updated_at else None

    def is_new(self, item: Mapping[str, Any]) -> bool:
        at = stamp(item)
        return at > self.updated_at or (at == self.updated_at and str(item["id"]) not in self.ids)

    def advance(self, item: Mapping[str, Any]) -> Position:
        at = stamp(item)
        if at == self.updated_at:
            return Position(at, self.ids | {str(item["id"])})
        return Position(at, frozenset({str(item["id"])}))
