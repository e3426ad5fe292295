"""Wish pages: the inbox of new wishes, all groups with filters, one group with its actions, a manual wish."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bridge.errors import WorkflowError
from bridge.store.schema import wish_groups
from bridge.store.users import LANGUAGES
from bridge.web.admin.actions import ACTIONS
from bridge.web.admin.pages import BadField, field, optional, runtime
from bridge.web.auth import require
from bridge.web.i18n import translate
from bridge.workflow import lifecycle, read_models
from bridge.workflow.changes import STATES, allowed_actions
from bridge.workflow.priority import IMPORTANCE
from bridge.workflow.routing import QUEUES

blueprint = Blueprint("wishes", __name__)
CHANNELS = ("call", "meeting", "email", "chat", "onboarding", "other")


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for(".inbox"))


@blueprint.get("/inbox")
def inbox() -> ResponseReturnValue:
    require("view")
    rt = runtime()
    with rt.engine.connect() as conn:
        rows = read_models.new_wishes(conn, rt.mappings)
    return render_template("inbox.html", rows=rows, topics=rt.mappings.topics)


@blueprint.get("/groups")
def groups() -> ResponseReturnValue:
    require("view")
    rt = runtime()
    filters = {name: optional(request.args, name) for name in ("state", "queue", "search")}
    with rt.engine.connect() as conn:
        rows = read_models.list_groups(conn, rt.mappings, state=filters["state"], queue=filters["queue"],
                                   search=filters["search"])
    return render_template("groups.html", rows=rows, filters=filters, states=STATES, queues=QUEUES,
                           topics=rt.mappings.topics)


def group_page(group_id: int, status: int = 200) -> ResponseReturnValue:
    rt = runtime()
    with rt.engine.connect() as conn:
        try:
            detail = read_models.group_detail(conn, rt.mappings, group_id)
        except WorkflowError:
            abort(404)
    return render_template("group.html", detail=detail, group=detail.group, queues=QUEUES,
                           importance=IMPORTANCE, topics=rt.mappings.topics,
                           allowed_actions=allowed_actions), status


@blueprint.get("/groups/<int:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    require("view")
    return group_page(group_id)


@blueprint.post("/groups/<int:group_id>/<action>")
def act(group_id: int, action: str) -> ResponseReturnValue:
    perform = ACTIONS.get(action)
    rt = runtime()
    with rt.engine.connect() as conn:
        found = conn.execute(select(wish_groups.c.queue).where(wish_groups.c.id == group_id)).first()
    if perform is None or found is None:
        abort(404)
    user = require(action, found.queue)
    try:
        with rt.engine.begin() as conn:
            shown = perform(conn, rt.mappings, group_id, request.form, user.username)
    except WorkflowError as error:
        flash(str(error), "error")
        return group_page(group_id, 409)
    except BadField as error:
        flash(translate("flash.bad_field", field=translate(f"field.{error.name}")), "error")
        return group_page(group_id, 400)
    flash(translate(f"done.{action}"), "ok")
    return redirect(url_for(".group", group_id=shown))


def _wish_form(status: int = 200) -> ResponseReturnValue:
    rt = runtime()
    segments = sorted(rt.mappings.get("priority").get("segments", {}))
    return render_template("new_wish.html", topics=rt.mappings.topics, channels=CHANNELS, segments=segments,
                           wish_languages=LANGUAGES, form=request.form), status


@blueprint.route("/wishes/new", methods=["GET", "POST"])
def new_wish() -> ResponseReturnValue:
    user = require("add_wish")
    if request.method == "GET":
        return _wish_form()
    form = request.form
    rt = runtime()
    try:
        with rt.engine.begin() as conn:
            ref = lifecycle.add_wish(
                conn, rt.mappings, door="manual", text=field(form, "text"), actor=user.username,
                title=optional(form, "title"), organization=field(form, "organization"),
                contact=optional(form, "contact") or "", channel=optional(form, "channel"),
                category=optional(form, "category"), subcategory=optional(form, "subcategory"),
                segment=optional(form, "segment"), language=optional(form, "language"),
            )
    except BadField as error:
        flash(translate("flash.bad_field", field=translate(f"field.{error.name}")), "error")
        return _wish_form(400)
    except WorkflowError as error:
        flash(str(error), "error")
        return _wish_form(409)
    flash(translate("done.joined" if ref.joined else "done.add_wish", wish=ref.wish_id, group=ref.group_id), "ok")
    return redirect(url_for(".group", group_id=ref.group_id))
