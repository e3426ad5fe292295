"""The mappings as a page shows them: each file with its kind, every key and list item with its value and the line
it stands on (in file order), and the file's problems, so an admin sees what is loaded and where each part and
each mistake is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bridge.errors import MappingIssue
from bridge.mapping import check_mappings
from bridge.mapping.kinds import kind_of
from bridge.mapping.source import Document


@dataclass(frozen=True)
class Entry:
    depth: int          # 0 for a top-level key
    key: str            # the key, or "-" for a list item
    value: str | None   # a plain value as written; None when a mapping or a list follows
    line: int           # 1-based


@dataclass(frozen=True)
class MappingFile:
    name: str
    kind: str                     # topics, messages, routing, priority, grouping, import, helpdesk or tracker
    entries: tuple[Entry, ...]    # none when the file cannot be read
    issues: tuple[MappingIssue, ...]


def _plain(value: Any) -> str | None:
    if isinstance(value, CommentedMap | CommentedSeq):
        return _inline(value) if value.fa.flow_style() else None
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _inline(value: Any) -> str:
    """A flow-style collection ({a: b} or [a, b]) in one line, as it is written."""
    if isinstance(value, CommentedMap):
        return "{" + ", ".join(f"{key}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, CommentedSeq):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return _scalar(value)


def _walk(node: Any, depth: int) -> Iterator[Entry]:
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            line, _ = node.lc.key(key)
            shown = _plain(value)
            yield Entry(depth, str(key), shown, line + 1)
            if shown is None:
                yield from _walk(value, depth + 1)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            line, _ = node.lc.item(index)
            shown = _plain(value)
            yield Entry(depth, "-", shown, line + 1)
            if shown is None:
                yield from _walk(value, depth + 1)


def outline(doc: Document) -> list[Entry]:
    """Every key and item of the file, in order; collections written in one line stay one entry."""
    return list(_walk(doc.tree, 0))


def _kind(path: Path) -> str:
    kind = kind_of(path)
    return "tracker" if kind.schema_name == "tracker" else kind.name


def survey(directory: Path) -> tuple[list[MappingFile], list[MappingIssue]]:
    """Every mapping file in `directory` by name, each with its outline and its problems (check_mappings: all of
    them at once); and the problems of no file (a missing folder)."""
    loaded, issues = check_mappings(directory)
    documents = {Path(doc.path).name: doc for doc in loaded.documents.values()}
    names = sorted({*documents, *(Path(issue.path).name for issue in issues if Path(issue.path).parent == directory)})
    files = [MappingFile(name, _kind(directory / name),
                         tuple(outline(documents[name])) if name in documents else (),
                         tuple(issue for issue in issues if Path(issue.path) == directory / name)) for name in names]
    return files, [issue for issue in issues if Path(issue.path).parent != directory]
