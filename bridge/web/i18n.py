"""The admin pages' language, and the texts of bridge.text.catalogue in it: the switch kept in the session, else
the signed-in user's language, else the browser's."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from bridge.text import catalogue, explain
from bridge.text.catalogue import DEFAULT, LANGUAGES
from bridge.web.admin.pages import local_url

blueprint = Blueprint("i18n", __name__)


def language() -> str:
    """The switch's choice, else the user's language, else the browser's, else English."""
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return str(chosen)
    user = g.get("user")
    if user is not None:
        return str(user.language)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def translate(key: str, /, **values: object) -> str:
    """The text for `key` in the current language (see catalogue.translate)."""
    return catalogue.translate(key, language(), **values)


def template_globals() -> dict[str, object]:
    """What every admin template may use, in the current language: `_`, `label(kind, value)`,
    `audit_details(details)`, `score_part(part, importance=, deadline=)`, `language` and `languages`."""
    current = language()

    def label(kind: str, value: str) -> str:
        return catalogue.label(kind, value, current)

    def audit_details(details: dict[str, object] | None) -> list[str]:
        return explain.audit_details(details, current)

    def score_part(part: explain.ScorePart, importance: str | None = None,
                   deadline: date | None = None) -> tuple[str, str]:
        return explain.score_part(part, current, importance=importance, deadline=deadline)

    return {"_": catalogue.translator(current), "label": label, "audit_details": audit_details,
            "score_part": score_part, "language": current, "languages": LANGUAGES}


@blueprint.post("/language")
def switch() -> ResponseReturnValue:
    chosen = request.form.get("language")
    if chosen in LANGUAGES:
        session["language"] = chosen
    return redirect(local_url(request.form.get("next"), url_for("admin.wishes.inbox")))
