"""The epic's description in Jira's markup: Atlassian Document Format (Cloud, REST v3) or wiki markup (Server/Data
Center, REST v2), within Jira's 32,767-character limit on a text field (an ADF body counts as its JSON). Pure."""

from __future__ import annotations

import json
import re
from typing import Any

from bridge.model import EpicBrief, TicketLine
from bridge.tracker.brief import TICKETS_SHOWN, Block, Heading, Paragraph, blocks, fitted

DESCRIPTION_LIMIT = 32_767  # Jira: "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
_WIKI_SPECIAL = re.compile(r"([\\{}\[\]|*_^~+!])")
_WIKI_LINE_START = re.compile(r"(?m)^([#-])")


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


def description(brief: EpicBrief, *, cloud: bool) -> Any:
    """The epic's `description` field for the deployment, within Jira's limit."""
    if cloud:
        return fitted(brief, adf, adf_size, DESCRIPTION_LIMIT)
    return fitted(brief, wiki, len, DESCRIPTION_LIMIT)
