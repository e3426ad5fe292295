"""One translation catalogue: every text in every language with the same placeholders, every key the pages,
sidebar, product form and reports ask for is in it, every key in it is asked for, and every value we name has
its name."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from bridge.mapping.messages import STAGES
from bridge.outbox.notify import TICKET_PATCH
from bridge.reports.periods import KINDS
from bridge.reports.topics import MEASURES
from bridge.store.users import ROLES
from bridge.sync.intake import DOORS
from bridge.text import explain
from bridge.text.catalogue import CATALOGUE, DEFAULT, LANGUAGES, TEXTS, label, language_of, translate
from bridge.tracker.epics import CREATE_EPIC, LINK_TICKET, UPDATE_EPIC
from bridge.web.admin.views_wishes import CHANNELS
from bridge.workflow.changes import STATES
from bridge.workflow.priority import IMPORTANCE
from bridge.workflow.routing import QUEUES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("bridge/web/**/templates/**/*.html"), *ROOT.glob("bridge/web/**/*.py"),
           *ROOT.glob("bridge/reports/*.py"), ROOT / "bridge/text/explain.py", *ROOT.glob("bridge/cli/*.py")]
KEY = r"[a-z_]+(?:\.[a-z_]+)+"
ASKED = re.compile(rf"""(?:\b_|\btranslate)\(\s*["']({KEY})["']""")
LITERAL = re.compile(rf"""["']({KEY})["']""")
FAMILIES = (re.compile(r"""(?:\b_|\btranslate)\(\s*["']([a-z_.]+\.)["']\s*~"""),   # _("state." ~ name)
            re.compile(r"""(?:\b_|\btranslate)\(\s*f["']([a-z_.]+\.)\{"""),       # translate(f"measure.{name}")
            re.compile(r"""(?<![.\w])label\(\s*["']([a-z_.]+)["']"""))                      # label("segment", value)
MAPPINGS = ROOT / "mappings"


def source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


def families() -> set[str]:
    """Key prefixes the code completes at run time (the kinds label() names included)."""
    text = source_text()
    found = {match.rstrip(".") + "." for pattern in FAMILIES for match in pattern.findall(text)}
    return found | {f"{kind}." for kind in explain.VALUE_KINDS.values()}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_has_a_text_in_every_language() -> None:
    incomplete = {key for key, texts in TEXTS.items() if set(texts) != set(LANGUAGES) or not all(texts.values())}
    assert incomplete == set()


def test_every_language_of_a_text_fills_the_same_placeholders() -> None:
    differing = {key for key, texts in TEXTS.items() if len({frozenset(placeholders(t)) for t in texts.values()}) > 1}
    assert differing == set()


def test_no_key_sits_in_two_areas_so_the_one_lookup_sees_every_text() -> None:
    assert sum(len(area) for area in CATALOGUE.values()) == len(TEXTS)


def test_every_key_the_pages_sidebar_form_and_reports_ask_for_is_in_the_catalogue() -> None:
    asked = set(ASKED.findall(source_text()))
    assert len(asked) > 100
    assert asked - set(TEXTS) == set()


def test_every_key_built_at_run_time_belongs_to_a_family_the_catalogue_has() -> None:
    assert {prefix for prefix in families() if not any(key.startswith(prefix) for key in TEXTS)} == set()


def test_every_catalogue_key_is_asked_for_by_name_or_built_from_a_value() -> None:
    named, built = set(LITERAL.findall(source_text())), tuple(families())
    assert {key for key in TEXTS if key not in named and not key.startswith(built)} == set()


def channels_and_segments_of_the_shipped_mappings() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"channel": set(CHANNELS), "segment": set()}
    for path in MAPPINGS.glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in found:
            section = document.get(kind)
            if isinstance(section, dict):
                found[kind] |= {str(v) for v in (section.get("map") or {}).values()}
                found[kind] |= {str(section["default"])} if "default" in section else set()
    found["segment"] |= set(yaml.safe_load((MAPPINGS / "priority.yaml").read_text(encoding="utf-8"))["segments"])
    return found


@pytest.mark.parametrize(("kind", "values"), [
    ("state", STATES), ("sidebar.state", STATES), ("stage", STAGES), ("queue", QUEUES), ("importance", IMPORTANCE),
    ("door", DOORS), ("role", ROLES), ("period", KINDS), ("reports.unit", KINDS), ("measure", tuple(MEASURES)),
    ("outbox", ("pending", "held", "claimed", "done", "dead", "superseded")),
    ("outbox.kind", (TICKET_PATCH, CREATE_EPIC, UPDATE_EPIC, LINK_TICKET)),
    *channels_and_segments_of_the_shipped_mappings().items(),
])
def test_every_value_of_ours_has_a_name_in_the_catalogue(kind: str, values: tuple[str, ...]) -> None:
    assert {value for value in values if f"{kind}.{value}" not in TEXTS} == set()


def test_a_missing_language_falls_back_to_english_and_a_missing_key_to_itself() -> None:
    assert translate("nav.inbox", "de") == translate("nav.inbox", DEFAULT) == "Inbox"
    assert translate("no.such.key", "ru") == "no.such.key"


def test_values_fill_placeholders_and_a_text_without_values_keeps_them_for_the_page_script() -> None:
    assert translate("done.add_user", "ru", username="irina") == "Пользователь irina добавлен."
    assert "{number}" in translate("form.thanks", "ru")


def test_our_values_get_their_names_and_anything_else_shows_as_recorded() -> None:
    assert label("segment", "smb", "ru") == "малый бизнес"
    assert label("segment", "vip-partners", "ru") == "vip-partners"


@pytest.mark.parametrize(("tag", "language"), [("ru", "ru"), ("ru-RU", "ru"), ("RU_ru", "ru"), ("de-DE", "en"),
                                               (None, "en"), ("", "en")])
def test_a_language_tag_picks_its_language_or_english(tag: str | None, language: str) -> None:
    assert language_of(tag) == language
