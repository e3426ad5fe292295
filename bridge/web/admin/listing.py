"""The group list's and the board's filters and order, read from the query string (so a view can be bookmarked),
and the choices their forms offer."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import Connection

from bridge.mapping import Mappings
from bridge.store.users import User, list_users
from bridge.web.admin.pages import optional
from bridge.workflow.changes import STATES
from bridge.workflow.read_models import NO_OWNER, SORTS, STAGES, Filters
from bridge.workflow.routing import QUEUES

FILTERS = ("state", "queue", "stage", "segment", "owner", "category")
MINE = "mine"   # the owner filter's value for the signed-in user's groups


def asked_filters(user: User) -> Filters:
    """The filters the query string names; owner `mine` is the signed-in user."""
    values = {name: optional(request.args, name) for name in FILTERS}
    if values["owner"] == MINE:
        values["owner"] = user.username
    return Filters(**values)


def asked_sort() -> str:
    sort = request.args.get("sort", "")
    return sort if sort in SORTS else SORTS[0]


def owners(conn: Connection) -> list[User]:
    """Who may own a group: every enabled user."""
    return [person for person in list_users(conn) if not person.disabled]


def choices(conn: Connection, mappings: Mappings) -> dict[str, Any]:
    """What the filter form offers: states, queues, stages, segments (priority.yaml's), the enabled users as
    owners, the topics, and the orders; with `asked`, the query string's values."""
    segments = sorted({*mappings.get("priority").get("segments", {}), "unknown"})
    return {"states": STATES, "queues": QUEUES, "stages": STAGES, "segments": segments, "owners": owners(conn),
            "topics": mappings.topics, "sorts": SORTS, "no_owner": NO_OWNER, "mine": MINE,
            "asked": {name: request.args.get(name, "") for name in (*FILTERS, "search", "sort")}}
