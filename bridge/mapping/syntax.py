"""A YAML syntax error in plain words, at the place an admin should look: where a bracket or quote was opened
and never closed, else where the parser stopped. The parser's own text is never shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError

CLOSERS = {"]": "[", "}": "{"}


@dataclass(frozen=True)
class Said:
    message: str
    at_opening: bool = False   # point at where the construct began (a bracket, a quote), not where parsing stopped


def _found(problem: str) -> str:
    """What the parser met instead of what it expected ("... but found '-'")."""
    match = re.search(r"(?:found|got)[^']*'([^']*)'", problem)
    return match.group(1) if match else ""


def _flow(kind: str, opener: str, closer: str) -> Callable[[MarkedYAMLError, str], Said]:
    def said(error: MarkedYAMLError, problem: str) -> Said:
        opened, stopped = error.context_mark, error.problem_mark
        if "<stream end>" in problem or opened is None or stopped is None or opened.line != stopped.line:
            return Said(f"a {kind} opened with '{opener}' here is never closed with '{closer}'", at_opening=True)
        return Said(f"'{_found(problem)}' inside a {kind} in '{opener}{closer}'; put that item in quotes, or close "
                    f"the {kind} with '{closer}' before it")
    return said


def _block_end(_error: MarkedYAMLError, problem: str) -> Said:
    found = _found(problem)
    if found == "-":
        return Said("a list item ('- ') among the keys of a mapping; indent it under the key it belongs to")
    if found == "?":
        return Said("a key among the items of a list; line it up with the keys above the list, or start it "
                    "with '- '")
    if found in CLOSERS:
        return Said(f"a '{found}' with no '{CLOSERS[found]}' opened before it")
    if found == "<scalar>":
        return Said("more text after a closed quote; put the whole value inside the quotes")
    return Said("this line is indented differently from the keys around it")


def _fixed(message: str, at_opening: bool = False) -> Callable[[MarkedYAMLError, str], Said]:
    return lambda _error, _problem: Said(message, at_opening)


RULES: tuple[tuple[str, str, Callable[[MarkedYAMLError, str], Said]], ...] = (
    # (words in the parser's context, words in its problem, what an admin reads)
    ("flow sequence", "expected ',' or ']'", _flow("list", "[", "]")),
    ("flow mapping", "expected ',' or '}'", _flow("mapping", "{", "}")),
    ("quoted scalar", "end of stream", _fixed("a quote opened here is never closed", at_opening=True)),
    ("", "mapping values are not allowed here",
     _fixed("a ': ' inside a value; put the whole value in quotes, or fix the indentation")),
    ("", "found character '\\t'", _fixed("a tab; indent with spaces")),
    ("simple key", "could not find expected ':'",
     _fixed("a line with no ':' inside a mapping; add the colon or fix the indentation", at_opening=True)),
    ("", "expected <block end>, but found", _block_end),
    ("", "found undefined alias", lambda _error, problem: Said(
        f"'*{_found(problem)}' repeats an anchor '&{_found(problem)}' that no line above defines")),
    ("", "that cannot start any token", lambda _error, problem: Said(
        f"a value cannot start with '{_found(problem)}'; put the value in quotes")),
    ("expected a single document", "", _fixed("a second document ('---') in the file; a mapping file holds one")),
)
FALLBACK = Said("not valid YAML here; check the quotes, colons, brackets and indentation of this line and the one "
                "above it")


def describe(error: MarkedYAMLError) -> tuple[str, int, int]:
    """What is wrong, and the 1-based line and column to look at."""
    context, problem = str(error.context or ""), str(error.problem or "")
    said = next((rule(error, problem) for in_context, in_problem, rule in RULES
                 if in_context in context and in_problem in problem), FALLBACK)
    mark = (error.context_mark if said.at_opening else None) or error.problem_mark or error.context_mark
    return said.message, (mark.line + 1 if mark else 1), (mark.column + 1 if mark else 1)
