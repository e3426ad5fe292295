"""The sidebar pages: `/sidebar/zendesk` (Zendesk's signed request), `/sidebar/t/<token>` (a Wishbridge link for
other helpdesks) and `/sidebar/act/<action>` (the page's own forms).

After verification the page carries a session token bound to that one ticket in every form (hidden field
`session`, SESSION_LIFETIME). It replaces a cookie, which a third-party iframe cannot count on, and doubles as the
CSRF token: another site can neither read nor forge it. Anything unverified gets 401 and a page that says nothing
of the ticket.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from bridge.errors import InvalidSignature, WorkflowError
from bridge.runtime import Runtime
from bridge.store.schema import store_id
from bridge.web.sidebar import actions
from bridge.web.sidebar.links import LINK
from bridge.web.sidebar.panel import panel
from bridge.web.sidebar.texts import translator
from bridge.web.sidebar.viewer import LOCALES, Viewer, locale_of, read, sign
from bridge.web.sidebar.zendesk_jwt import verify_zendesk

blueprint = Blueprint("sidebar", __name__, url_prefix="/sidebar", template_folder="templates",
                      static_folder="static")
log = logging.getLogger(__name__)
SESSION = "session"
SESSION_LIFETIME = timedelta(minutes=30)
ACTIONS = ("register", "attach", "note")


def _runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["wishbridge.runtime"]
    return runtime


def _secret() -> str:
    return str(_runtime().settings["WISHBRIDGE_SECRET_KEY"])


def _denied(error: InvalidSignature, text: str = "denied.text") -> ResponseReturnValue:
    log.warning("sidebar.denied", extra={"reason": str(error), "path": request.path})
    lang = locale_of(request.accept_languages.best_match(LOCALES))
    _ = translator(lang)
    return render_template("sidebar/denied.html", _=_, lang=lang, text=_(text)), 401


def _page(viewer: Viewer, done: str | None = None, problem: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    runtime = _runtime()
    with runtime.engine.connect() as conn:
        shown = panel(conn, runtime.mappings, viewer.ref)
    session = sign(_secret(), SESSION, viewer, SESSION_LIFETIME)
    return render_template("sidebar/page.html", _=translator(viewer.locale), lang=viewer.locale, viewer=viewer,
                           panel=shown, session=session, done=done, problem=problem), status


@blueprint.route("/zendesk", methods=["GET", "POST"])
def zendesk() -> ResponseReturnValue:
    """Zendesk posts its JWT as the form field `token` when it opens the app."""
    try:
        viewer = verify_zendesk(_runtime().settings, request.values.get("token", ""))
    except InvalidSignature as error:
        return _denied(error)
    return _page(viewer)


@blueprint.get("/t/<token>")
def link(token: str) -> ResponseReturnValue:
    try:
        viewer = read(_secret(), LINK, token)
    except InvalidSignature as error:
        return _denied(error)
    return _page(viewer)


def _perform(action: str, viewer: Viewer, form: MultiDict[str, str]) -> str:
    """Run one action in its own transaction; returns the group id it touched, as text."""
    actor = viewer.actor(form.get("agent_name", ""))
    if not actor:
        raise WorkflowError("name_required")
    runtime = _runtime()
    with runtime.engine.begin() as conn:
        ticket = panel(conn, runtime.mappings, viewer.ref).ticket
        if ticket is None:
            raise WorkflowError(f"ticket {viewer.ref} is not in Wishbridge yet")
        if action == "register":
            group_id = actions.register(conn, runtime.mappings, ticket.id, actor)
        elif action == "attach":
            group_id = actions.attach(conn, runtime.mappings, ticket.id, store_id(form.get("group_id", "")), actor)
        else:
            group_id = actions.note(conn, ticket.id, form.get("body", "").strip(), actor)
    return str(group_id)


@blueprint.post("/act/<action>")
def act(action: str) -> ResponseReturnValue:
    try:
        viewer = read(_secret(), SESSION, request.form.get(SESSION, ""))
    except InvalidSignature as error:
        return _denied(error, "expired")
    if action not in ACTIONS:
        return _page(viewer, problem=f"unknown action '{action}'", status=404)
    try:
        group = _perform(action, viewer, request.form)
    except (WorkflowError, ValueError) as error:
        _ = translator(viewer.locale)
        return _page(viewer, problem=_(str(error)) if str(error) == "name_required" else str(error), status=400)
    log.info("sidebar.%s", action, extra={"ticket": str(viewer.ref), "group": group})
    return _page(viewer, done=translator(viewer.locale)(f"done.{action}", group=group))


@blueprint.after_request
def lock_down(response: Response) -> Response:
    """Only Zendesk (for its iframe) or this site may frame the sidebar; nothing is loaded from elsewhere."""
    zendesk = str(_runtime().settings.values.get("ZENDESK_URL") or "")
    ancestors = f"'self' {zendesk}".strip()
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors {ancestors}")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
