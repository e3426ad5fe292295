"""The product manager's overview and bulk work: the board of groups by stage, and merging several suggested
groups into one in one step. The merge is a group action like those of views_wishes, so it is routed on that
blueprint and answers a refusal with the group page as they do."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bridge.errors import WorkflowError
from bridge.store.ids import store_id
from bridge.web.admin import listing
from bridge.web.admin.pages import BadField
from bridge.web.admin.views_wishes import blueprint as group_actions
from bridge.web.admin.views_wishes import refused
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate
from bridge.workflow import curation, read_models

blueprint = Blueprint("pm", __name__)
BOARD_FILTERS = ("segment", "owner", "category")   # the board's own; its "more" links keep them
CARDS_SHOWN = 20   # cards of a board column; its "more" link opens the list of that stage


@blueprint.get("/board")
def board() -> ResponseReturnValue:
    """A column per stage with its count and its first cards by score; "more" opens the list of that stage."""
    user = require("view")
    rt = runtime()
    filters = listing.asked_filters(user)
    with rt.engine.connect() as conn:
        columns = read_models.board(conn, rt.mappings, filters, cards=CARDS_SHOWN)
        choices = listing.choices(conn, rt.mappings)
    kept = {name: value for name, value in choices["asked"].items() if value and name in BOARD_FILTERS}
    return render_template("board.html", columns=columns, board=True, kept=kept, **choices)


def _suggested() -> list[tuple[int, float | None]]:
    """The ticked groups with the score each was shown with."""
    picked = []
    for value in request.form.getlist("source_ids"):
        try:
            group_id = store_id(value)
            shown = request.form.get(f"score-{group_id}")
            picked.append((group_id, float(shown) if shown else None))
        except ValueError:
            raise BadField("source_ids") from None
    if not picked:
        raise BadField("source_ids")
    return picked


@group_actions.post("/groups/<int:group_id>/similar/merge")
def merge_suggested(group_id: int) -> ResponseReturnValue:
    """Merge every ticked suggestion into the group, all or none (an unknown group is a 404 page)."""
    user = require("merge")
    rt = runtime()
    try:
        suggested = _suggested()
        with rt.engine.begin() as conn:
            holder = curation.merge_suggested(conn, group_id, suggested, user.username)
    except (BadField, WorkflowError) as error:
        return refused(group_id, error)
    flash(translate("done.merge_suggested", count=len(suggested)), "ok")
    return redirect(url_for("admin.wishes.group", group_id=holder))
