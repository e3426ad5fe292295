"""Load and validate mappings/*.yaml. Every problem in every file is reported at once, with its line."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import MappingError, MappingIssue
from bridge.mapping.helpdesk import HelpdeskMapping
from bridge.mapping.kinds import HELPDESK, kind_of
from bridge.mapping.source import Document, parse
from bridge.mapping.topics import Topics
from bridge.mapping.validate import region, schema_issues

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mappings:
    directory: Path
    documents: Mapping[str, Document] = field(default_factory=dict)

    def get(self, kind: str) -> dict[str, Any]:
        doc = self.documents.get(kind)
        return dict(doc.data) if doc else {}

    @property
    def topics(self) -> Topics:
        return Topics.from_data(self.get("topics"))

    @property
    def helpdesks(self) -> dict[str, HelpdeskMapping]:
        return {
            doc.data["source"]: HelpdeskMapping(doc.data["source"], doc.data, self.topics)
            for name, doc in self.documents.items()
            if name.startswith("helpdesk:")
        }

    def helpdesk(self, source: str) -> HelpdeskMapping | None:
        return self.helpdesks.get(source)


def _key(doc: Document) -> str:
    kind = kind_of(doc.path)
    return f"helpdesk:{doc.path.stem}" if kind is HELPDESK else kind.name


def _parse_all(directory: Path) -> tuple[dict[str, Document], list[MappingIssue]]:
    issues: list[MappingIssue] = []
    if not directory.is_dir():
        return {}, [MappingIssue(str(directory), 1, 1, "(folder)", "no such mappings folder")]
    documents: dict[str, Document] = {}
    for path in sorted(directory.glob("*.y*ml")):
        parsed = parse(path)
        if isinstance(parsed, MappingIssue):
            issues.append(parsed)
        else:
            documents[_key(parsed)] = parsed
    return documents, issues


MALFORMED = (AttributeError, KeyError, TypeError, ValueError)   # a meaning check meeting data of the wrong shape


def _inside(issue: MappingIssue, shapes: list[MappingIssue]) -> bool:
    """Whether `issue` is about a part of the file that has the wrong shape or is missing (or lies within one)."""
    return any(issue.where == part or issue.where.startswith((f"{part}.", f"{part}["))
               for part in map(region, shapes))


def _meaning_issues(doc: Document, valid: Mapping[str, Document],
                    shapes: list[MappingIssue]) -> list[MappingIssue]:
    """The file's meaning check against the files that passed their schemas. A file with schema issues (`shapes`)
    is checked too, so one edit shows every mistake: what the check finds outside the parts of the wrong shape,
    before it meets one it cannot read, is kept."""
    found: list[MappingIssue] = []
    try:
        found.extend(kind_of(doc.path).check(doc, valid))
    except MALFORMED:
        if not shapes:
            raise
    return [issue for issue in found if not _inside(issue, shapes)]


def check_mappings(directory: Path) -> tuple[Mappings, list[MappingIssue]]:
    """Parse, schema-check, then meaning-check every file (a syntax error stops only its own file): every
    problem at once."""
    documents, issues = _parse_all(directory)
    shapes = {key: list(schema_issues(doc, kind_of(doc.path).schema)) for key, doc in documents.items()}
    valid = {key: doc for key, doc in documents.items() if not shapes[key]}
    for key, doc in documents.items():
        issues.extend(shapes[key])
        issues.extend(_meaning_issues(doc, valid, shapes[key]))
    return Mappings(directory, documents), sorted(set(issues))


def load_mappings(directory: Path) -> Mappings:
    mappings, issues = check_mappings(directory)
    if issues:
        raise MappingError(issues)
    return mappings


class MappingHolder:
    """Keeps the last good mappings; a broken edit is reported and ignored until it is fixed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.current = load_mappings(directory)
        self.last_issues: list[MappingIssue] = []

    def reload(self) -> list[MappingIssue]:
        try:
            self.current = load_mappings(self.directory)
            self.last_issues = []
        except MappingError as error:
            self.last_issues = error.issues
            log.warning("mapping.reload_failed", extra={"issues": [str(i) for i in error.issues]})
        return self.last_issues


__all__ = ["MappingHolder", "Mappings", "check_mappings", "load_mappings"]
