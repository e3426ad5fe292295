"""Helpdesk category and subcategory values the mapping has no entry for, per stored ticket, so an admin sees
which values to map and how many tickets carry them. A ticket's rows are replaced whenever it is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from bridge.store.schema import tickets, unmapped_values


@dataclass(frozen=True)
class Unmapped:
    source: str
    field: str      # category | subcategory
    value: str
    tickets: int

    def line(self) -> str:
        return f"{self.source}: no mapping for {self.field} '{self.value}' ({self.tickets} tickets)"


def record(conn: Connection, found: Mapping[int, tuple[str, Sequence[tuple[str, str]]]],
           now: datetime | None = None) -> None:
    """Replace the unmapped values of the stored tickets in `found`: ticket id -> (its source, its (field,
    value) pairs)."""
    if not found:
        return
    now = now or datetime.now(UTC)
    conn.execute(unmapped_values.delete().where(unmapped_values.c.ticket_id.in_(list(found))))
    rows = [{"ticket_id": ticket_id, "source": source, "field": field, "value": value, "seen_at": now}
            for ticket_id, (source, pairs) in found.items() for field, value in pairs]
    if rows:
        conn.execute(unmapped_values.insert(), rows)


def counts(conn: Connection, source: str | None = None) -> list[Unmapped]:
    """Unmapped values with the number of live tickets carrying each, most tickets first."""
    number = func.count(unmapped_values.c.ticket_id)
    query = (select(unmapped_values.c.source, unmapped_values.c.field, unmapped_values.c.value, number)
             .join(tickets, tickets.c.id == unmapped_values.c.ticket_id).where(~tickets.c.deleted)
             .group_by(unmapped_values.c.source, unmapped_values.c.field, unmapped_values.c.value)
             .order_by(number.desc(), unmapped_values.c.source, unmapped_values.c.field, unmapped_values.c.value))
    if source is not None:
        query = query.where(unmapped_values.c.source == source)
    return [Unmapped(*row) for row in conn.execute(query)]
