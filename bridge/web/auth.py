"""Log-in, log-out, the signed-in user, and the per-session CSRF token every admin POST must carry."""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from bridge.store import audit
from bridge.users import User, get_user, verify
from bridge.web.pages import local_url, runtime
from bridge.web.roles import allowed

blueprint = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = frozenset({"admin.auth.login", "admin.static", "admin.i18n.switch"})


def current_user() -> User | None:
    return g.get("user")


def load_user() -> None:
    username = session.get("user")
    if username:
        with runtime().engine.connect() as conn:
            g.user = get_user(conn, username)


def login_required() -> ResponseReturnValue | None:
    if current_user() is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("admin.auth.login", next=request.full_path.rstrip("?")))
    return None


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse (400) any POST whose form lacks this session's token."""
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not (sent and expected and hmac.compare_digest(sent, expected)):
        abort(400, description="csrf")


def can(action: str, queue: str | None = None) -> bool:
    user = current_user()
    return user is not None and allowed(user.role, action, queue)


def require(action: str, queue: str | None = None) -> User:
    """The signed-in user when the role allows `action`; a 403 page otherwise."""
    user = current_user()
    if user is None or not allowed(user.role, action, queue):
        abort(403)
    return user


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = local_url(request.values.get("next"), url_for("admin.wishes.inbox"))
    if request.method == "GET":
        return render_template("login.html", next=target, failed=False)
    with runtime().engine.begin() as conn:
        user = verify(conn, request.form.get("username", ""), request.form.get("password", ""))
        if user:
            audit.record(conn, "user", user.username, "login", user.username)
    if user is None:
        return render_template("login.html", next=target, failed=True), 401
    language = session.get("language")
    session.clear()
    session["user"] = user.username
    session["language"] = language or user.language
    return redirect(target)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    return redirect(url_for("admin.auth.login"))
