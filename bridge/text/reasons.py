"""The standard reasons for declining or deferring a wish, written in every language of the catalogue
(`reason.<code>`), and the tracker resolutions known to mean one of them. Pure."""

from __future__ import annotations

import re

from bridge.text.catalogue import translate

STANDARD_REASONS = ("wont_do", "duplicate", "out_of_scope", "legal", "later")
# Resolution names and keys as Jira and Yandex Tracker send them, folded by `_folded` ("Won't Do" -> "wontdo").
_RESOLUTIONS = {
    "wontdo": "wont_do", "wontfix": "wont_do", "declined": "wont_do", "rejected": "wont_do",
    "небудетисправлено": "wont_do", "небудетсделано": "wont_do", "отклонено": "wont_do",
    "duplicate": "duplicate", "дубликат": "duplicate",
    "later": "later", "позже": "later",
    "outofscope": "out_of_scope",
}


def _folded(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def standard_reason(code: str, language: str) -> str:
    """The customer's words for a standard reason in `language`."""
    return translate(f"reason.{code}", language)


def reason_of_resolution(name: str | None) -> str | None:
    """The standard reason a tracker's resolution (or status) names, or None when it names none we know."""
    return _RESOLUTIONS.get(_folded(name or ""))
