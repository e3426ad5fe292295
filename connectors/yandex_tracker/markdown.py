"""The epic's description and ticket comments as Yandex Flavored Markdown (YFM). Pure: no I/O.

Tracker reads a description as YFM when the issue carries `markupType: "md"`
(https://yandex.ru/support/tracker/en/concepts/issues/create-issue). YFM is CommonMark with extensions
(https://www.npmjs.com/package/@yfm-team/transform), and CommonMark lets a backslash escape every ASCII
punctuation character, so customer text is shown as typed by escaping all of them: `*`, `_`, `#`, `[`, `<`,
`&`, the `{{ }}`/`{% %}` of YFM variables, and list markers alike. Leading spaces are dropped so that no
customer line turns into a code block. Only http(s) addresses become links.

Yandex documents no length limit for a description; it is kept within the 32,767 characters Jira allows
(DESCRIPTION_LIMIT), cutting the customers' longest texts first.
"""

from __future__ import annotations

import re

from bridge.model import EpicBrief, TicketLine, TicketLink
from bridge.tracker.brief import TICKETS_SHOWN, Block, Heading, Paragraph, blocks, fitted

DESCRIPTION_LIMIT = 32_767
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark, 2.4)
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """Customer text shown as typed: punctuation escaped, each line without leading spaces."""
    return "\n".join(_PUNCTUATION.sub(r"\\\1", line.strip()) for line in text.split("\n"))


def link(label: str, url: str) -> str:
    """`[label](<url>)` for an http(s) address; the escaped label alone for anything else."""
    text = escape(" ".join(label.split()))
    if not url.startswith(("http://", "https://")):
        return text
    safe = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"[{text}](<{safe}>)"


def code(text: str) -> str:
    """An inline code span that shows `text` verbatim, whatever backticks it holds."""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


def _item(line: TicketLine) -> str:
    return f"- {link(line.label, line.url)}"


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"### {escape(block.text)}"
    if isinstance(block, Paragraph):
        return escape(block.text)
    return "\n".join(_item(item) for item in block.items)


def render(brief: EpicBrief, listed: int = TICKETS_SHOWN) -> str:
    """The description's blocks (bridge.tracker.brief.blocks) as YFM."""
    return "\n\n".join(_block(b) for b in blocks(brief, listed))


def description(brief: EpicBrief) -> str:
    """The epic's `description`, within the length it is kept to."""
    text: str = fitted(brief, render, len, DESCRIPTION_LIMIT)
    return text


def ticket_comment(ticket: TicketLink) -> str:
    """The comment that links an originating ticket; it ends with the ticket's `global_id` as its marker."""
    parts = [f"Originating ticket: {link(ticket.title, ticket.url)}"]
    if ticket.summary:
        parts.append(escape(ticket.summary))
    parts.append(f"Wishbridge: {code(ticket.global_id)}")
    return "\n\n".join(parts)
