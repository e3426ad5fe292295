"""YAML with positions: parse a file, keep line/column for every key and item, report duplicate keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from bridge.errors import MappingIssue

PathPart = str | int


@dataclass(frozen=True)
class Document:
    """A parsed mapping file: plain data plus the tree that knows where everything stands."""

    path: Path
    data: Any
    tree: Any

    def issue(self, where: Sequence[PathPart], message: str) -> MappingIssue:
        line, column = locate(self.tree, where)
        return MappingIssue(str(self.path), line, column, dotted(where), message)


def dotted(where: Sequence[PathPart]) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def locate(tree: Any, where: Sequence[PathPart]) -> tuple[int, int]:
    """1-based line and column of the deepest node of `where` that exists (its value, or its key)."""
    line, column, node = 1, 1, tree
    for part in where:
        if isinstance(node, CommentedMap) and part in node:
            key_line, key_col = node.lc.key(part)
            line, column = key_line + 1, key_col + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            item_line, item_col = node.lc.item(part)
            line, column = item_line + 1, item_col + 1
            node = node[part]
        else:
            break
    return line, column


def plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [plain(v) for v in node]
    return node


SYNTAX_WORDS = (  # (parser context, parser problem, what an admin reads); the position is where it opened
    ("flow sequence", "expected ',' or ']'", "a list opened with '[' here is never closed with ']'"),
    ("flow mapping", "expected ',' or '}'", "a mapping opened with '{' here is never closed with '}'"),
    ("quoted scalar", "found unexpected end of stream", "a quote opened here is never closed"),
    ("", "mapping values are not allowed here",
     "a ': ' inside a value; put the whole value in quotes, or fix the indentation"),
    ("", "found character '\\t'", "a tab; indent with spaces"),
    ("simple key", "could not find expected ':'", "a line with no ':' inside a mapping; add the colon or fix the "
     "indentation"),
    ("block mapping", "expected <block end>, but found", "this line is indented differently from the keys "
     "around it"),
)


def _mark_issue(path: Path, error: MarkedYAMLError) -> MappingIssue:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if isinstance(error, DuplicateKeyError) and error.context_mark is not None:
        key = re.search(r'duplicate key "([^"]*)"', str(error.problem))
        name = key.group(1) if key else "?"
        return MappingIssue(
            str(path), line, column, name, f"duplicate key (first defined at line {error.context_mark.line + 1})"
        )
    opened = error.context_mark
    for context, problem, plain_words in SYNTAX_WORDS:
        if context in str(error.context or "") and problem in str(error.problem or ""):
            if opened is not None and context:
                line, column = opened.line + 1, opened.column + 1
            return MappingIssue(str(path), line, column, "(syntax)", plain_words)
    raw = " ".join(str(p) for p in (error.context, error.problem) if p)
    return MappingIssue(str(path), line, column, "(syntax)", f"not valid YAML: {raw}" if raw else "not valid YAML")


def parse(path: Path) -> Document | MappingIssue:
    """The file as a Document, or the one issue that stops it from being read at all."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return MappingIssue(str(path), 1, 1, "(file)", f"cannot be read: {error.__class__.__name__}")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        return _mark_issue(path, error)
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        return MappingIssue(str(path), 1, 1, "(top)", "must be a mapping of keys to values")
    return Document(path, plain(tree), tree)
