"""Log-in (throttled per account name and per client address), log-out, the signed-in user, and the per-session
CSRF token every admin POST must carry."""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from bridge.store import audit, login_throttle
from bridge.store.users import User, end_sessions, get_user, session_valid, verify
from bridge.web.admin.pages import local_url
from bridge.web.context import runtime
from bridge.web.roles import allowed

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = frozenset({"admin.auth.login", "admin.static", "admin.i18n.switch"})


def current_user() -> User | None:
    return g.get("user")


def load_user() -> None:
    """The session's user, while the session is still good (see bridge/store/users.py); a stale one is forgotten."""
    username = session.get("user")
    if username:
        with runtime().engine.connect() as conn:
            user = get_user(conn, username)
        if session_valid(user, session.get("generation")):
            g.user = user
        else:
            session.pop("user")
            session.pop("generation", None)


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


def _attempt(username: str, password: str) -> tuple[User | None, timedelta]:
    """The user a log-in form signs in (None: refused), and how long its name or address must still wait
    (the password is not even checked while they must)."""
    now = datetime.now(UTC)
    subjects = {"account": login_throttle.subject("account", username),
                "address": login_throttle.subject("address", request.remote_addr or "")}
    with runtime().engine.begin() as conn:
        wait = login_throttle.locked_for(conn, subjects, now)
        if wait:
            return None, wait
        user = verify(conn, username, password)
        if user is None:
            login_throttle.record_failure(conn, subjects.values(), now)
            return None, wait
        login_throttle.forget(conn, subjects["account"])
        audit.record(conn, "user", user.username, "login", user.username)
    return user, wait


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = local_url(request.values.get("next"), url_for("admin.wishes.inbox"))
    if request.method == "GET":
        return render_template("login.html", next=target, failed=False)
    user, wait = _attempt(request.form.get("username", ""), request.form.get("password", ""))
    if wait:
        seconds = math.ceil(wait.total_seconds())
        log.warning("auth.throttled", extra={"address": request.remote_addr, "retry_after": seconds})
        page = render_template("login.html", next=target, failed=False, wait_minutes=math.ceil(seconds / 60))
        return page, 429, {"Retry-After": str(seconds)}
    if user is None:
        log.info("auth.login_failed", extra={"address": request.remote_addr})
        return render_template("login.html", next=target, failed=True), 401
    language = session.get("language")
    session.clear()
    session["user"] = user.username
    session["generation"] = user.generation
    session["language"] = language or user.language
    return redirect(target)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session here and every other session of the user (a copied cookie stops working too)."""
    user = current_user()
    if user is not None:
        with runtime().engine.begin() as conn:
            end_sessions(conn, user.username)
            audit.record(conn, "user", user.username, "logout", user.username)
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    return redirect(url_for("admin.auth.login"))
