"""Wish pages: the inbox of new wishes, all groups with filters, one group with its actions, a manual wish."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bridge.errors import WorkflowError
from bridge.store.users import LANGUAGES
from bridge.text.numbers import public_number
from bridge.tracker.keys import KeyRefused
from bridge.web.admin import issue_keys, listing
from bridge.web.admin.actions import ACTIONS
from bridge.web.admin.finding import straight_to_group
from bridge.web.admin.pages import BadField, field, optional
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate
from bridge.workflow import answers, handover, lifecycle, read_models
from bridge.workflow.changes import allowed_actions
from bridge.workflow.priority import IMPORTANCE
from bridge.workflow.routing import QUEUES

blueprint = Blueprint("wishes", __name__)
CHANNELS = ("call", "meeting", "email", "chat", "onboarding", "other")
GROUPS_SHOWN = 100   # rows of a list page
WISHES_SHOWN = 50    # wishes (with their tickets) of a group page


def _page_number() -> int:
    """The `page` asked for, counted from 1 (anything else is the first)."""
    number = request.args.get("page", "")
    return max(int(number), 1) if number.isdigit() else 1


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for(".inbox"))


@blueprint.get("/inbox")
def inbox() -> ResponseReturnValue:
    require("view")
    rt, number = runtime(), _page_number()
    with rt.engine.connect() as conn:
        rows = read_models.new_wishes(conn, rt.mappings, limit=GROUPS_SHOWN + 1, offset=(number - 1) * GROUPS_SHOWN)
    return render_template("inbox.html", rows=rows[:GROUPS_SHOWN], topics=rt.mappings.topics, page=number,
                           more=len(rows) > GROUPS_SHOWN)


@blueprint.get("/groups")
def groups() -> ResponseReturnValue:
    """Every group, filtered and ordered as the query string says (bridge/web/admin/listing.py)."""
    user = require("view")
    rt, number = runtime(), _page_number()
    shortcut = straight_to_group(optional(request.args, "search")) if number == 1 else None
    if shortcut is not None:
        return shortcut
    with rt.engine.connect() as conn:
        rows = read_models.list_groups(conn, rt.mappings, search=optional(request.args, "search"),
                                       filters=listing.asked_filters(user), sort=listing.asked_sort(),
                                       limit=GROUPS_SHOWN + 1, offset=(number - 1) * GROUPS_SHOWN)
        choices = listing.choices(conn, rt.mappings)
    return render_template("groups.html", rows=rows[:GROUPS_SHOWN], page=number, more=len(rows) > GROUPS_SHOWN,
                           filters=choices["asked"], **choices)


def refused(group_id: int, error: BadField | WorkflowError) -> ResponseReturnValue:
    """The group page again with why the request was refused: a field it cannot read (400) or a step the workflow
    does not allow now (409)."""
    if isinstance(error, BadField):
        flash(translate("flash.bad_field", field=translate(f"field.{error.name}")), "error")
        return group_page(group_id, 400)
    flash(str(error), "error")
    return group_page(group_id, 409)


def group_page(group_id: int, status: int = 200) -> ResponseReturnValue:
    rt, number = runtime(), _page_number()
    with rt.engine.connect() as conn:
        try:
            detail = read_models.group_detail(conn, rt.mappings, group_id, wishes_offset=(number - 1) * WISHES_SHOWN,
                                              wishes_limit=WISHES_SHOWN, similar=False)
        except WorkflowError:
            abort(404)
        handing_over, answered = handover.handover(conn, group_id), answers.group_answers(conn, group_id)
        owners = listing.owners(conn)
    return render_template("group.html", detail=detail, group=detail.group, queues=QUEUES, owners=owners,
                           importance=IMPORTANCE, topics=rt.mappings.topics, handover=handing_over, answers=answered,
                           page=number, more=detail.group.wishes > number * WISHES_SHOWN), status


@blueprint.get("/groups/<int:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    require("view")
    return group_page(group_id)


@blueprint.get("/groups/<int:group_id>/similar")
def similar(group_id: int) -> ResponseReturnValue:
    """The group's similar groups with their merge and verdict forms: a page of its own, or with `partial` the
    part the group page fetches after it has shown (ranking them costs a query of the grouping index per wish)."""
    require("view")
    rt = runtime()
    with rt.engine.connect() as conn:
        try:
            queue = read_models.group_queue(conn, group_id)
            found = read_models.group_suggestions(conn, rt.mappings, group_id)
        except WorkflowError:
            abort(404)
    return render_template("similar.html", group_id=group_id, queue=queue, similar=found,
                           allowed_actions=allowed_actions, partial="partial" in request.args)


@blueprint.post("/groups/<int:group_id>/<action>")
def act(group_id: int, action: str) -> ResponseReturnValue:
    perform = ACTIONS.get(action)
    rt = runtime()
    with rt.engine.connect() as conn:
        try:
            queue = read_models.group_queue(conn, group_id)
        except WorkflowError:
            abort(404)
    if perform is None:
        abort(404)
    user = require(action, queue)
    try:
        form = issue_keys.checked(action, request.form)
    except KeyRefused as key_refused:
        flash(issue_keys.refusal(key_refused), "error")
        return group_page(group_id, issue_keys.status(key_refused))
    try:
        with rt.engine.begin() as conn:
            shown = perform(conn, rt.mappings, group_id, form, user.username)
    except (WorkflowError, BadField) as error:
        return refused(group_id, error)
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
    flash(translate("done.joined" if ref.joined else "done.add_wish", number=public_number(ref.group_id)), "ok")
    return redirect(url_for(".group", group_id=ref.group_id))
