"""The sidebar pages: `/sidebar/<source>` (a helpdesk's own signed request, for helpdesks that are a SidebarHost),
`/sidebar/t/<token>` (a Wishbridge link for other helpdesks), `/sidebar/act/<action>` (the page's own forms) and
`/sidebar/find` (the lookup of a wish by its public number or a helpdesk ticket: reads only).

After verification the page carries a session token bound to that one ticket in every form (hidden field
`session`, SESSION_LIFETIME). It replaces a cookie, which a third-party iframe cannot count on, and doubles as the
CSRF token: another site can neither read nor forge it. Anything unverified gets 401 and a page that says nothing
of the ticket.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from bridge.errors import InvalidSignature, WorkflowError
from bridge.ports import SidebarHost
from bridge.registry import connector_class, known_sources, names_of_role
from bridge.store.ids import store_id
from bridge.text.catalogue import LANGUAGES, language_of, translator
from bridge.text.numbers import public_number
from bridge.web.context import runtime
from bridge.web.sidebar.links import LINK
from bridge.web.sidebar.viewer import Viewer, locale_of, read, sign
from bridge.workflow import ticket_actions
from bridge.workflow.ticket_panel import look_up, panel

blueprint = Blueprint("sidebar", __name__, url_prefix="/sidebar", template_folder="templates",
                      static_folder="static")
log = logging.getLogger(__name__)
SESSION = "session"
SESSION_LIFETIME = timedelta(minutes=30)
ACTIONS = ("register", "attach", "note")
FIND_LIMIT = 160   # characters of a lookup read


def _secret() -> str:
    return str(runtime().settings["WISHBRIDGE_SECRET_KEY"])


def _language(viewer: Viewer | None = None) -> str:
    """The viewer's language, else the browser's."""
    return (viewer and viewer.locale) or language_of(request.accept_languages.best_match(LANGUAGES))


def _denied(error: InvalidSignature, text: str = "sidebar.denied.text") -> ResponseReturnValue:
    log.warning("sidebar.denied", extra={"reason": str(error), "path": request.path})
    lang = _language()
    _ = translator(lang)
    return render_template("sidebar/denied.html", _=_, lang=lang, text=_(text)), 401


def _page(viewer: Viewer, done: str | None = None, problem: str | None = None,
          status: int = 200, asked: str | None = None) -> ResponseReturnValue:
    rt = runtime()
    with rt.engine.connect() as conn:
        shown = panel(conn, rt.mappings, viewer.ref)
        looked = look_up(conn, rt.mappings, asked) if asked else None
    session = sign(_secret(), SESSION, viewer, SESSION_LIFETIME)
    lang = _language(viewer)
    return render_template("sidebar/page.html", _=translator(lang), lang=lang, viewer=viewer,
                           panel=shown, session=session, done=done, problem=problem, looked=looked), status


@blueprint.route("/<source>", methods=["GET", "POST"])
def hosted(source: str) -> ResponseReturnValue:
    """A helpdesk that hosts the sidebar (Zendesk's app) opens it with a request it signs."""
    host = connector_class(source) if source in known_sources() else None
    if not isinstance(host, SidebarHost):
        return _denied(InvalidSignature(f"'{source}' does not open the sidebar itself"))
    try:
        visit = host.sidebar_visit(runtime().settings, request.values.to_dict())
    except InvalidSignature as error:
        return _denied(error)
    return _page(Viewer(visit.ref, visit.agent, locale_of(visit.locale), source))


@blueprint.get("/t/<token>")
def link(token: str) -> ResponseReturnValue:
    try:
        viewer = read(_secret(), LINK, token)
    except InvalidSignature as error:
        return _denied(error)
    return _page(viewer)


def _perform(action: str, viewer: Viewer, form: MultiDict[str, str]) -> int:
    """Run one action in its own transaction; returns the id of the group it touched."""
    actor = viewer.actor(form.get("agent_name", ""))
    if not actor:
        raise WorkflowError("name_required")
    rt = runtime()
    with rt.engine.begin() as conn:
        if action == "register":
            group_id = ticket_actions.register(conn, rt.mappings, viewer.ref, actor)
        elif action == "attach":
            group_id = ticket_actions.attach(conn, rt.mappings, viewer.ref, store_id(form.get("group_id", "")),
                                             actor)
        else:
            group_id = ticket_actions.note(conn, viewer.ref, form.get("body", "").strip(), actor)
    return group_id


@blueprint.post("/act/<action>")
def act(action: str) -> ResponseReturnValue:
    try:
        viewer = read(_secret(), SESSION, request.form.get(SESSION, ""))
    except InvalidSignature as error:
        return _denied(error, "sidebar.expired")
    _ = translator(_language(viewer))
    if action not in ACTIONS:
        return _page(viewer, problem=_("sidebar.unknown_action"), status=404)
    try:
        group = _perform(action, viewer, request.form)
    except (WorkflowError, ValueError) as error:
        return _page(viewer, problem=_("sidebar.name_required") if str(error) == "name_required" else str(error),
                     status=400)
    log.info("sidebar.%s", action, extra={"ticket": str(viewer.ref), "group": group})
    return _page(viewer, done=_(f"sidebar.done.{action}", number=public_number(group)))


@blueprint.post("/find")
def find() -> ResponseReturnValue:
    """The page again with the groups the typed number (W-12) or ticket id names."""
    try:
        viewer = read(_secret(), SESSION, request.form.get(SESSION, ""))
    except InvalidSignature as error:
        return _denied(error, "sidebar.expired")
    return _page(viewer, asked=request.form.get("number", "").strip()[:FIND_LIMIT])


@blueprint.after_request
def lock_down(response: Response) -> Response:
    """Only this site and the configured helpdesks that show the sidebar in a frame (Zendesk's app) may frame it;
    nothing is loaded from elsewhere."""
    settings = runtime().settings
    framing = [str(settings.values.get(f"{name.upper()}_URL") or "") for name in names_of_role("helpdesk")
               if getattr(connector_class(name), "frames_sidebar", False)]
    ancestors = " ".join(["'self'", *(url for url in framing if url)])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors {ancestors}")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
