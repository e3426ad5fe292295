"""Finding a wish group by what people were told or can see: its public number (bridge.text.numbers), where the
number of a group merged into another leads to the group that absorbed it (following the chain), or a helpdesk
ticket of one of its wishes. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.text.numbers import parse_public_number, parse_ticket, public_number

CHAIN_LIMIT = 1000   # merges followed at most: a chain never loops (a merged group is no merge target), but stops


@dataclass(frozen=True)
class Found:
    """A group found for what was asked: `asked` as people write it (`W-7`, `zendesk#4711`), `group_id` the group
    that answers it (the survivor when `asked` names a group merged into another), `via` "number" or "ticket"."""

    group_id: int
    asked: str
    via: str

    @property
    def number(self) -> str:
        return public_number(self.group_id)

    @property
    def merged_away(self) -> bool:
        """Whether `asked` is the number of a group merged into `group_id`."""
        return self.via == "number" and self.asked != self.number


def survivor(conn: Connection, group_id: int) -> int | None:
    """The group that holds group `group_id`'s wishes now: itself, or the end of its chain of merges; None when
    there is no such group."""
    current = group_id
    for _ in range(CHAIN_LIMIT):
        into = conn.execute(select(wish_groups.c.merged_into).where(wish_groups.c.id == current)).first()
        if into is None:
            return None
        if into.merged_into is None:
            return current
        current = into.merged_into
    return current


def absorbed(conn: Connection, group_id: int) -> tuple[int, ...]:
    """The groups merged into `group_id`, directly or through groups merged into those, smallest first: their
    numbers lead here."""
    found: set[int] = set()
    frontier = {group_id}
    while frontier:
        merged = set(conn.execute(select(wish_groups.c.id).where(wish_groups.c.merged_into.in_(sorted(frontier))))
                     .scalars()) - found - {group_id}
        found |= merged
        frontier = merged
    return tuple(sorted(found))


def by_number(conn: Connection, text: str) -> Found | None:
    """The group a public number (`W-12`, `12`, `#12`) leads to, or None."""
    group_id = parse_public_number(text)
    if group_id is None:
        return None
    holder = survivor(conn, group_id)
    return Found(holder, public_number(group_id), "number") if holder is not None else None


def by_ticket(conn: Connection, text: str) -> list[Found]:
    """The groups whose wishes hold the helpdesk ticket `text` names (`4711`, `zendesk 4711`)."""
    wanted = parse_ticket(text)
    return of_ticket(conn, wanted.external_id, wanted.source) if wanted else []


def of_ticket(conn: Connection, external_id: str, source: str | None = None) -> list[Found]:
    """The groups whose wishes hold ticket `external_id` of `source`: of every source with such a ticket when
    `source` is None."""
    query = (select(tickets.c.source, tickets.c.external_id, wishes.c.group_id)
             .join(wish_tickets, wish_tickets.c.ticket_id == tickets.c.id)
             .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
             .where(tickets.c.external_id == external_id).order_by(tickets.c.source))
    if source:
        query = query.where(tickets.c.source == source)
    found = []
    for row in conn.execute(query):
        holder = survivor(conn, row.group_id)
        if holder is not None:
            found.append(Found(holder, f"{row.source}#{row.external_id}", "ticket"))
    return found


def find_groups(conn: Connection, text: str | None) -> list[Found]:
    """Every group `text` names by public number or by helpdesk ticket, one entry per group (the number first)."""
    if not text or not text.strip():
        return []
    number = by_number(conn, text)
    first: dict[int, Found] = {}
    for hit in ([number] if number else []) + by_ticket(conn, text):
        first.setdefault(hit.group_id, hit)
    return list(first.values())
