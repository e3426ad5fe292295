"""Users (admins): who may log in, with which role and language; new users get a hashed password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bridge.store import audit
from bridge.store.users import LANGUAGES, ROLES, UserError, create_user, list_users
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate

blueprint = Blueprint("users", __name__, url_prefix="/users")


def _page(status: int = 200) -> ResponseReturnValue:
    with runtime().engine.connect() as conn:
        people = list_users(conn)
    return render_template("users.html", people=people, roles=ROLES, user_languages=LANGUAGES,
                           form=request.form), status


@blueprint.get("/")
def users() -> ResponseReturnValue:
    require("users")
    return _page()


@blueprint.post("/")
def add_user() -> ResponseReturnValue:
    admin = require("users")
    form = request.form
    try:
        with runtime().engine.begin() as conn:
            user = create_user(conn, form.get("username", ""), form.get("password", ""), form.get("role", ""),
                               display_name=form.get("display_name", ""), language=form.get("language", "en"))
            audit.record(conn, "user", user.username, "create", admin.username, details={"role": user.role})
    except UserError as error:
        flash(str(error), "error")
        return _page(400)
    flash(translate("done.add_user", username=user.username), "ok")
    return redirect(url_for(".users"))
