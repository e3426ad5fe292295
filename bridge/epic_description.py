"""The epic's description: what customers asked for and why it matters, as Atlassian Document Format (Jira
Cloud, REST v3) or wiki markup (Jira Server/Data Center, REST v2). Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bridge.popularity import Popularity

TICKETS_SHOWN = 50
_WIKI_SPECIAL = re.compile(r"([\\{}\[\]|*_^~+!])")
_WIKI_LINE_START = re.compile(r"(?m)^([#-])")


@dataclass(frozen=True)
class TicketLine:
    label: str
    url: str = ""


@dataclass(frozen=True)
class EpicBrief:
    group_id: int
    title: str
    summary: str = ""
    notes: str = ""
    importance: str | None = None
    popularity: Popularity = field(default_factory=Popularity)
    legal_reference: str | None = None
    legal_deadline: date | None = None
    tickets: tuple[TicketLine, ...] = ()


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


def blocks(brief: EpicBrief) -> list[Block]:
    """The description's structure, in reading order; empty sections are left out."""
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
    shown = brief.tickets[:TICKETS_SHOWN]
    out += [Heading(f"Originating tickets ({len(brief.tickets)})")]
    if shown:
        out.append(Bullets(shown))
    if len(brief.tickets) > len(shown):
        out.append(Paragraph(f"... and {len(brief.tickets) - len(shown)} more, listed under the web links."))
    out.append(Paragraph(f"Created by Wishbridge for wish group W-{brief.group_id}; the label "
                         f"wishbridge-g{brief.group_id} keeps it linked."))
    return out


def _adf_text(text: str, url: str = "") -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for index, line in enumerate(text.split("\n")):
        if index:
            nodes.append({"type": "hardBreak"})
        if line:
            node: dict[str, Any] = {"type": "text", "text": line}
            if url:
                node["marks"] = [{"type": "link", "attrs": {"href": url}}]
            nodes.append(node)
    return nodes


def _adf_block(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"type": "heading", "attrs": {"level": 3}, "content": _adf_text(block.text)}
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "content": _adf_text(block.text)}
    return {"type": "bulletList", "content": [
        {"type": "listItem", "content": [{"type": "paragraph", "content": _adf_text(item.label, item.url)}]}
        for item in block.items
    ]}


def adf(brief: EpicBrief) -> dict[str, Any]:
    """Atlassian Document Format, version 1.
    https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/"""
    return {"type": "doc", "version": 1, "content": [_adf_block(b) for b in blocks(brief)]}


def wiki_escape(text: str) -> str:
    """Customer text shown as typed: markup characters, and list markers at a line start, are escaped."""
    return _WIKI_LINE_START.sub(r"\\\1", _WIKI_SPECIAL.sub(r"\\\1", text))


def _wiki_item(item: TicketLine) -> str:
    label = wiki_escape(item.label).replace("\n", " ")
    return f"* [{label}|{item.url}]" if item.url else f"* {label}"


def _wiki_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"h3. {wiki_escape(block.text)}"
    if isinstance(block, Paragraph):
        return wiki_escape(block.text)
    return "\n".join(_wiki_item(item) for item in block.items)


def wiki(brief: EpicBrief) -> str:
    """Jira wiki markup (Server/Data Center REST v2 `description`)."""
    return "\n\n".join(_wiki_block(b) for b in blocks(brief))
