"""The public number of a wish group, `W-<group id>`: the one number people and customers see for a wish (a wish's
number is its group's), written and read back only here; and a helpdesk ticket as people type it when they look a
wish up. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bridge.store.ids import store_id

PREFIX = "W-"
_NUMBER = re.compile(r"(?:w\s*-?|#)?\s*(\d+)", re.IGNORECASE)
_W_NUMBER = re.compile(r"w\s*-?\s*\d+", re.IGNORECASE)
_TICKET = re.compile(r"(?:([a-z][a-z0-9_-]*)\s*(?:[#:]|\s)\s*)?#?\s*([\w.-]*\d[\w.-]*)", re.IGNORECASE)
_EXTERNAL_ID_MAX = 120   # tickets.external_id


def public_number(group_id: int) -> str:
    """`W-12` for group 12."""
    return f"{PREFIX}{group_id}"


def parse_public_number(text: str | None) -> int | None:
    """The group id in `W-12`, `w12`, `W 12`, `#12` or `12` (spaces around are fine); None for anything else,
    including an id the store cannot hold."""
    match = _NUMBER.fullmatch((text or "").strip())
    if match is None:
        return None
    try:
        return store_id(match.group(1))
    except ValueError:
        return None


@dataclass(frozen=True)
class TicketQuery:
    """A helpdesk ticket as typed: `4711`, `#4711`, `zendesk 4711`, `zendesk#4711`, `zendesk:4711`; `source` is
    None when it was not named."""

    source: str | None
    external_id: str


def parse_ticket(text: str | None) -> TicketQuery | None:
    """The ticket `text` names, or None: a ticket id holds a digit, and a `W-` number is a group's, never a
    ticket's (`W-12`, `w12`)."""
    wanted = (text or "").strip()
    match = _TICKET.fullmatch(wanted)
    if match is None or _W_NUMBER.fullmatch(wanted) or len(match.group(2)) > _EXTERNAL_ID_MAX:
        return None
    source = match.group(1)
    return TicketQuery(source.lower() if source else None, match.group(2))
