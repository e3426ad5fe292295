"""HTML message bodies as plain text (helpdesks whose editor writes HTML), and the bridge's messages as HTML
that carries a write's marker where the customer never sees it. Pure: no I/O."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

BLOCKS = {"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3", "h4",
          "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul"}
HIDDEN = {"head", "script", "style", "template", "title"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\n", " "))


def html_text(markup: str) -> str:
    """The text a reader sees: block elements and <br> end lines, runs of blank space collapse, scripts and
    styles are dropped, entities are decoded."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def message_html(text: str, marker: str) -> str:
    """The message as HTML paragraphs, with the write's marker in a comment the customer never sees."""
    paragraphs = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in text.split("\n\n"))
    return f"{paragraphs}\n<!-- wishbridge {marker} -->"
