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
from bridge.mapping.syntax import describe

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


def _mark_issue(path: Path, error: MarkedYAMLError) -> MappingIssue:
    if isinstance(error, DuplicateKeyError) and error.context_mark is not None and error.problem_mark is not None:
        key = re.search(r'duplicate key "([^"]*)"', str(error.problem))
        return MappingIssue(str(path), error.problem_mark.line + 1, error.problem_mark.column + 1,
                            key.group(1) if key else "?",
                            f"duplicate key (first defined at line {error.context_mark.line + 1})")
    message, line, column = describe(error)
    return MappingIssue(str(path), line, column, "(syntax)", message)


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
