"""The epic's description as a tracker-neutral structure (headings, paragraphs, bullet lists) that each tracker
connector renders in its own markup, and the fitting of a rendering within the tracker's length limit. Pure: no
I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bridge.model import EpicBrief, Popularity, TicketLine
from bridge.text.numbers import public_number

TICKETS_SHOWN = 50
CUT_MARK = " […]"
SHORT_TEXT = 300   # texts this short are left whole; fewer tickets are listed instead
FITTING_ROUNDS = 30


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[TicketLine, ...]


Block = Heading | Paragraph | Bullets


def _popularity_lines(pop: Popularity) -> tuple[TicketLine, ...]:
    lines = [TicketLine(f"{pop.tickets} tickets from {pop.organizations} organisations, {pop.requesters} "
                        f"requesters, {pop.paid_accounts} paid accounts")]
    lines += [TicketLine(f"{segment}: {count} organisations, {pop.segment_paid_accounts.get(segment, 0)} "
                         "paid accounts") for segment, count in pop.by_segment.items()]
    return tuple(lines)


def blocks(brief: EpicBrief, listed: int = TICKETS_SHOWN) -> list[Block]:
    """The description's structure, in reading order; empty sections are left out; at most `listed` tickets
    are listed, the others counted."""
    out: list[Block] = []
    if brief.summary:
        out += [Heading("What customers ask for"), Paragraph(brief.summary)]
    if brief.notes:
        out += [Heading("Analyst notes"), Paragraph(brief.notes)]
    if brief.importance:
        out += [Heading("Business importance"), Paragraph(brief.importance)]
    out += [Heading("Popularity"), Bullets(_popularity_lines(brief.popularity))]
    if brief.legal_reference or brief.legal_deadline:
        deadline = f" (deadline {brief.legal_deadline.isoformat()})" if brief.legal_deadline else ""
        out += [Heading("Legal requirement"), Paragraph(f"{brief.legal_reference or 'Required by law'}{deadline}")]
    shown = brief.tickets[:listed]
    out += [Heading(f"Originating tickets ({len(brief.tickets)})")]
    if shown:
        out.append(Bullets(shown))
    if len(brief.tickets) > len(shown):
        out.append(Paragraph(f"... and {len(brief.tickets) - len(shown)} more, each linked to this epic."))
    out.append(Paragraph(f"Created by Wishbridge for wish group {public_number(brief.group_id)}; the marker "
                         f"wishbridge-g{brief.group_id} keeps it linked."))
    return out


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else text[:max(0, keep)].rstrip() + CUT_MARK


def _shorter(brief: EpicBrief, over: int) -> EpicBrief | None:
    """The brief with its longest free text cut by about `over` characters; None when every text is short."""
    texts = {"summary": brief.summary, "notes": brief.notes, "legal_reference": brief.legal_reference or ""}
    name = max(texts, key=lambda key: len(texts[key]))
    text = texts[name]
    shorter = _cut(text, max(SHORT_TEXT, len(text) - over - len(CUT_MARK)))
    if len(shorter) >= len(text):
        return None
    cut: dict[str, Any] = {name: shorter}
    return replace(brief, **cut)


def fitted(brief: EpicBrief, render: Callable[[EpicBrief, int], Any], size: Callable[[Any], int],
           limit: int) -> Any:
    """The fullest rendering within `limit`: the longest texts (the customers' words, notes, legal reference)
    are cut first, then fewer tickets are listed ("... and N more"); the title and counts always stay."""
    listed = TICKETS_SHOWN
    for _ in range(FITTING_ROUNDS):
        rendered = render(brief, listed)
        over = size(rendered) - limit
        if over <= 0:
            return rendered
        shorter = _shorter(brief, over)
        if shorter is not None:
            brief = shorter
        elif listed:
            listed //= 2
        else:
            break
    return render(replace(brief, summary="", notes="", importance=None, legal_reference=None), 0)
