"""Decisions that customers hear, made in two steps: declining or deferring shows exactly what each customer will
read (per language) before anything changes, and can be undone for a short while; merging shows which group will
survive. Also the group's words per language: its titles, its reason, and messages held for a translation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection
from werkzeug.datastructures import MultiDict

from bridge.errors import WorkflowError
from bridge.outbox.wording import Reason
from bridge.text.catalogue import LANGUAGES
from bridge.text.reasons import STANDARD_REASONS
from bridge.web.admin.pages import BadField, number, optional
from bridge.web.admin.views_wishes import refused
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate
from bridge.workflow import decisions, languages, merging, read_models

blueprint = Blueprint("decisions", __name__)


@blueprint.app_template_global()
def group_words(group_id: int) -> languages.GroupWords:
    """The group page's view of a group's languages (see languages.group_words), read once per request."""
    cache: dict[int, languages.GroupWords] = g.setdefault("group_words", {})
    if group_id not in cache:
        with runtime().engine.connect() as conn:
            cache[group_id] = languages.group_words(conn, group_id)
    return cache[group_id]


@blueprint.app_context_processor
def reason_choices() -> dict[str, object]:
    return {"standard_reasons": STANDARD_REASONS}


def _queue(group_id: int) -> str | None:
    with runtime().engine.connect() as conn:
        try:
            return read_models.group_queue(conn, group_id)
        except WorkflowError:
            abort(404)


def _per_language(form: MultiDict[str, str], prefix: str) -> dict[str, str]:
    return {language: text for language in LANGUAGES if (text := optional(form, f"{prefix}_{language}"))}


def _reason(form: MultiDict[str, str]) -> Reason:
    code = optional(form, "reason_code")
    if code is not None and code not in STANDARD_REASONS:
        raise BadField("reason_code")
    reason = Reason(code, _per_language(form, "reason"))
    if not reason:
        raise BadField("reason")
    return reason


@blueprint.post("/groups/<int:group_id>/decline", defaults={"decision": "decline"})
@blueprint.post("/groups/<int:group_id>/defer", defaults={"decision": "defer"})
def decide(group_id: int, decision: str) -> ResponseReturnValue:
    """The decision form shows its preview; the preview's Confirm (carrying the preview's digest, and `as_is`
    for every language whose messages would carry text not written in it) makes the decision."""
    user = require(decision, _queue(group_id))
    rt, form = runtime(), request.form
    try:
        reason = _reason(form)
    except BadField as error:
        return refused(group_id, error)
    titles, as_is = _per_language(form, "title"), set(form.getlist("as_is")) & set(LANGUAGES)
    problem = None
    try:
        with rt.engine.begin() as conn:
            shown = decisions.preview(conn, rt.mappings, group_id, decision, reason, titles=titles)
            if "confirm" in form:
                problem = "preview.changed" if form.get("digest") != shown.digest else \
                    "preview.untranslated" if shown.unconfirmed(as_is) else None
                if problem is None:
                    decisions.refuse(conn, rt.mappings, group_id, decision, user.username, reason, titles=titles,
                                     as_is=as_is, undo=timedelta(seconds=rt.settings["WISHBRIDGE_UNDO_SECONDS"]))
                    flash(translate(f"done.{decision}"), "ok")
                    return redirect(url_for("admin.wishes.group", group_id=group_id))
            group = read_models.group_row(conn, rt.mappings, group_id)
    except WorkflowError as error:
        return refused(group_id, error)
    if problem:
        flash(translate(problem, languages=", ".join(shown.unconfirmed(as_is))), "error")
    return render_template("decision_preview.html", group=group, decision=decision, preview=shown, reason=reason,
                           titles=titles, as_is=as_is, undo_seconds=rt.settings["WISHBRIDGE_UNDO_SECONDS"]), \
        409 if problem else 200


def _run_command(group_id: int, command: Callable[[Connection], int], done_key: str) -> ResponseReturnValue:
    """Run `command` in one transaction and flash `done_key` with the count it returns, back on the group page;
    a command the workflow refuses is flashed as its error on the group page (409)."""
    try:
        with runtime().engine.begin() as conn:
            count = command(conn)
    except WorkflowError as error:
        return refused(group_id, error)
    flash(translate(done_key, count=count), "ok")
    return redirect(url_for("admin.wishes.group", group_id=group_id))


@blueprint.post("/groups/<int:group_id>/undo")
def undo(group_id: int) -> ResponseReturnValue:
    """Undo the group's decline or deferral while its window is open (the decision's own permission)."""
    queue = _queue(group_id)
    with runtime().engine.connect() as conn:
        offer = decisions.undo_offer(conn, group_id)
    user = require(offer.action if offer else "decline", queue)
    return _run_command(group_id, lambda conn: decisions.undo(conn, group_id, user.username), "done.undo")


@blueprint.post("/groups/<int:group_id>/translate")
def translate_group(group_id: int) -> ResponseReturnValue:
    """Titles (and the decision's reason) written per language; held messages that now read right go out."""
    user = require("translate", _queue(group_id))
    rt = runtime()
    return _run_command(group_id, lambda conn: languages.translate(
        conn, rt.mappings, group_id, user.username, titles=_per_language(request.form, "title"),
        reasons=_per_language(request.form, "reason")), "done.translate")


@blueprint.post("/groups/<int:group_id>/send_as_is")
def send_as_is(group_id: int) -> ResponseReturnValue:
    user = require("translate", _queue(group_id))
    language = request.form.get("language", "")
    return _run_command(group_id, lambda conn: languages.send_as_is(conn, group_id, language, user.username),
                        "done.send_as_is")


@blueprint.route("/groups/<int:group_id>/merge_preview", methods=["GET", "POST"])
def merge_preview(group_id: int) -> ResponseReturnValue:
    """Which of the two groups will survive the merge (by the rule, or as picked), before anything moves; the
    form it shows confirms through the group's `merge` action."""
    require("merge", _queue(group_id))
    rt = runtime()
    try:
        other = number(request.values, "target_id")
        with rt.engine.connect() as conn:
            survivor, absorbed = merging.merge_sides(conn, group_id, other)
    except (BadField, WorkflowError) as error:
        return refused(group_id, error)
    return render_template("merge_preview.html", group_id=group_id, other=other, survivor=survivor,
                           absorbed=absorbed, score=request.values.get("score"), topics=rt.mappings.topics)
