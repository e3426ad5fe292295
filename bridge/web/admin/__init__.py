"""The admin pages: one blueprint under /admin whose children cover log-in, wishes, operations, reports and
users. Every POST carries the session's CSRF token; every page needs a signed-in user; roles.py decides the rest.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from bridge.web import auth, i18n
from bridge.web.admin import (
    views_decisions,
    views_mappings,
    views_ops,
    views_pm,
    views_reports,
    views_sidebar,
    views_users,
    views_wishes,
)
from bridge.web.admin.pages import page_url, when
from bridge.web.context import runtime

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
                      static_folder="static")
for child in (auth.blueprint, i18n.blueprint, views_wishes.blueprint, views_ops.blueprint,
              views_reports.blueprint, views_users.blueprint, views_sidebar.blueprint, views_decisions.blueprint,
              views_pm.blueprint, views_mappings.blueprint):
    blueprint.register_blueprint(child)
blueprint.before_request(auth.load_user)
blueprint.before_request(auth.check_csrf)
blueprint.before_request(auth.login_required)


@blueprint.context_processor
def page_globals() -> dict[str, object]:
    return {**i18n.template_globals(), "csrf_token": auth.csrf_token, "user": auth.current_user(), "can": auth.can,
            "when": when, "page_url": page_url}


@blueprint.errorhandler(HTTPException)
def error_page(error: HTTPException) -> ResponseReturnValue:
    if error.code is None or error.code < 400:
        return error
    return render_template("error.html", code=error.code, reason=error.description, path=request.path,
                           **page_globals()), error.code


@blueprint.app_errorhandler(404)
@blueprint.app_errorhandler(405)
def unrouted_error_page(error: HTTPException) -> ResponseReturnValue:
    """An /admin address no admin route takes gets the admin error page too."""
    # Flask asks the app, not the blueprint, when no route matched:
    # https://flask.palletsprojects.com/en/stable/errorhandling/#blueprint-error-handlers
    if not request.path.startswith(f"{blueprint.url_prefix}/"):
        return error
    if request.blueprint is None:
        auth.load_user()
    return error_page(error)


def register(app: Flask) -> None:
    """Mount the admin pages on `app`, with a session cookie scripts cannot read."""
    public_url = str(runtime(app).settings["WISHBRIDGE_PUBLIC_URL"])
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=public_url.startswith("https://"))
    app.register_blueprint(blueprint)
    app.add_url_rule("/", "home", lambda: redirect(url_for("admin.wishes.inbox")))


__all__ = ["blueprint", "register"]
