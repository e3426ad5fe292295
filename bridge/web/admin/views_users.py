"""Users (admins): who may log in, with which role and language; new users get a hashed password; an admin edits
a user's name, role and language, and disables a user (every session of theirs ends) or enables them again.
Every change is audited (entity `user`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from bridge.store import audit
from bridge.store.users import (
    LANGUAGES,
    ROLES,
    User,
    UserError,
    create_user,
    list_users,
    set_disabled,
    update_user,
    user_by_id,
)
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate

blueprint = Blueprint("users", __name__, url_prefix="/users")
EDITED = ("display_name", "role", "language")


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


def _person(conn: Connection, user_id: int) -> User:
    person = user_by_id(conn, user_id)
    if person is None:
        abort(404)
    return person


def _user_page(person: User, status: int = 200) -> ResponseReturnValue:
    return render_template("user.html", person=person, roles=ROLES, user_languages=LANGUAGES), status


@blueprint.route("/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int) -> ResponseReturnValue:
    """The user's form; posted, a new name, role or language (an admin cannot change their own role). One route
    for both methods, so an id too large for the store is a 404 either way."""
    admin = require("users")
    if request.method == "GET":
        with runtime().engine.connect() as conn:
            return _user_page(_person(conn, user_id))
    form = request.form
    with runtime().engine.begin() as conn:
        person = _person(conn, user_id)
        if person.id == admin.id and form.get("role") != person.role:
            flash(translate("users.not_yourself"), "error")
            return _user_page(person, 409)
        try:
            changed = update_user(conn, person.username, display_name=form.get("display_name", ""),
                                  role=form.get("role", ""), language=form.get("language", ""))
        except UserError as error:
            flash(str(error), "error")
            return _user_page(person, 400)
        details = {name: getattr(changed, name) for name in EDITED if getattr(changed, name) != getattr(person, name)}
        if details:
            audit.record(conn, "user", person.username, "edit", admin.username,
                         details={**details, **{f"previous_{name}": getattr(person, name) for name in details}})
    flash(translate("done.edit_user", username=person.username), "ok")
    return redirect(url_for(".users"))


@blueprint.post("/<int:user_id>/access")
def access(user_id: int) -> ResponseReturnValue:
    """Disable the user (every session of theirs ends at once) or enable them again; never oneself."""
    admin = require("users")
    disable = request.form.get("disabled") == "1"
    with runtime().engine.begin() as conn:
        person = _person(conn, user_id)
        if person.id == admin.id:
            flash(translate("users.not_yourself"), "error")
            return _user_page(person, 409)
        if person.disabled != disable:
            set_disabled(conn, person.username, disable)
            audit.record(conn, "user", person.username, "disable" if disable else "enable", admin.username)
    flash(translate("done.disable_user" if disable else "done.enable_user", username=person.username), "ok")
    return redirect(url_for(".users"))
