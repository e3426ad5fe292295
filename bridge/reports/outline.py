"""A draft help-article outline for one released change, in the reader's language: a title, what changed (the
analyst's notes and the group's description), who benefits, the customers' own words, and steps for the writer
to fill in. A plain template, never invented prose. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bridge.text.catalogue import label, translate

ASKED_SHOWN = 3      # the customers' own words: this many wish texts at most
ASKED_LENGTH = 240   # characters of each
CHANGED_LINES = 6
STEPS = ("digest.outline.step_where", "digest.outline.step_do", "digest.outline.step_result")


@dataclass(frozen=True)
class Outline:
    title: str
    changed: tuple[str, ...]
    benefits: str
    asked: tuple[str, ...]
    steps: tuple[str, ...]


def _lines(*texts: str) -> tuple[str, ...]:
    """The non-blank lines of `texts`, each once, list markers stripped, at most CHANGED_LINES."""
    found = dict.fromkeys(line.strip().lstrip("-*• ").strip() for text in texts for line in text.splitlines())
    return tuple(line for line in found if line)[:CHANGED_LINES]


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ASKED_LENGTH else text[: ASKED_LENGTH - 1].rstrip() + "…"


def segments_text(segments: Mapping[str, int], language: str) -> str:
    """"enterprise 2, small business 1": organisations per segment, most first."""
    ranked = sorted(segments.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label('segment', segment, language)} {count}" for segment, count in ranked)


def draft_outline(*, title: str, notes: str, description: str, wish_texts: Sequence[str], organizations: int,
                  tickets: int, segments: Mapping[str, int], topic: str, language: str) -> Outline:
    """The outline of one change; `wish_texts` in the order they were asked, `topic` its topic's label ("" for
    none)."""
    asked = tuple(dict.fromkeys(_shortened(text) for text in wish_texts if text.strip()
                                and " ".join(text.split()) != title))[:ASKED_SHOWN]
    benefits = translate("digest.outline.benefits", language, organizations=organizations,
                         segments=segments_text(segments, language) or translate("segment.unknown", language),
                         tickets=tickets, topic=topic or translate("reports.none", language))
    return Outline(
        title=translate("digest.outline.title", language, title=title),
        changed=_lines(description, notes) or (translate("digest.outline.changed_missing", language),),
        benefits=benefits,
        asked=asked,
        steps=tuple(translate(step, language) for step in STEPS),
    )
