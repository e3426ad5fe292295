"""A stable link any helpdesk can put beside a ticket (RT's "Link values to" template, a Freshdesk app):
`/admin/tickets/<source>/<id>/sidebar`. The agent signs in to Wishbridge, and is sent on to that ticket's
sidebar with a short-lived token signed for that ticket only, so actions carry the agent's name."""

from __future__ import annotations

from flask import Blueprint, redirect
from flask.typing import ResponseReturnValue

from bridge.model import TicketRef
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import language
from bridge.web.sidebar.links import sidebar_link

blueprint = Blueprint("sidebar_links", __name__)


@blueprint.get("/tickets/<source>/<path:external_id>/sidebar")
def ticket_sidebar(source: str, external_id: str) -> ResponseReturnValue:
    user = require("view")
    agent = f"{user.display_name or user.username} ({user.username})"
    return redirect(sidebar_link(runtime().settings, TicketRef(source, external_id), agent=agent,
                                 locale=language()))
