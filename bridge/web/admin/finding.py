"""The admin search's shortcut: a search that names exactly one group by its public number or by a helpdesk ticket
goes straight to that group's page, saying how it got there when the number was merged away or a ticket led."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from bridge.web.context import runtime
from bridge.web.i18n import translate
from bridge.workflow.lookup import find_groups


def straight_to_group(search: str | None) -> ResponseReturnValue | None:
    """A redirect to the one group `search` names, or None (no search, nothing named, or several groups)."""
    if not search:
        return None
    with runtime().engine.connect() as conn:
        found = find_groups(conn, search)
    if len(found) != 1:
        return None
    hit = found[0]
    if hit.merged_away or hit.via == "ticket":
        flash(translate("find.merged" if hit.merged_away else "find.by_ticket", asked=hit.asked, number=hit.number),
              "ok")
    return redirect(url_for("admin.wishes.group", group_id=hit.group_id))
