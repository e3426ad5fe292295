"""The epic's description: what customers asked for and why it matters, as Atlassian Document Format (Jira
Cloud, REST v3) or wiki markup (Jira Server/Data Center, REST v2), within Jira's 32,767-character limit on a
text field (an ADF body counts as its JSON). Pure: no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bridge.model import EpicBrief, Popularity, TicketLine

TICKETS_SHOWN = 50
DESCRIPTION_LIMIT = 32_767  # Jira: "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
CUT_MARK = " […]"
SHORT_TEXT = 300   # texts this short are left whole; fewer tickets are listed instead
FITTING_ROUNDS = 30
_WIKI_SPECIAL = re.compile(r"([\\{}\[\]|*_^~+!])")
_WIKI_LINE_START = re.compile(r"(?m)^([#-])")


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


def adf(brief: EpicBrief, listed: int = TICKETS_SHOWN) -> dict[str, Any]:
    """Atlassian Document Format, version 1.
    https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/"""
    return {"type": "doc", "version": 1, "content": [_adf_block(b) for b in blocks(brief, listed)]}


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


def wiki(brief: EpicBrief, listed: int = TICKETS_SHOWN) -> str:
    """Jira wiki markup (Server/Data Center REST v2 `description`)."""
    return "\n\n".join(_wiki_block(b) for b in blocks(brief, listed))


def adf_size(document: Any) -> int:
    """The length Jira counts for an ADF body: its JSON."""
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


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
           limit: int = DESCRIPTION_LIMIT) -> Any:
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


def description(brief: EpicBrief, *, cloud: bool) -> Any:
    """The epic's `description` field for the deployment, within Jira's limit."""
    if cloud:
        return fitted(brief, adf, adf_size)
    return fitted(brief, wiki, len)
