"""Operations (admins): sync status per connector, the outbox with its dead letters, the mappings' health."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from bridge.mapping import check_mappings
from bridge.store import audit, outbox, unmapped
from bridge.store.cursors import sync_status
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import translate

blueprint = Blueprint("ops", __name__, url_prefix="/operations")


@blueprint.get("/")
def operations() -> ResponseReturnValue:
    require("operations")
    rt = runtime()
    with rt.engine.connect() as conn:
        syncs = sync_status(conn)
        counts = outbox.counts(conn)
        dead = outbox.items(conn, state="dead")
        recent = outbox.items(conn, limit=20)
        values = unmapped.counts(conn)
    mappings, issues = check_mappings(rt.settings.mappings_dir)
    return render_template("operations.html", syncs=syncs, counts=counts, dead=dead, recent=recent, unmapped=values,
                           documents=sorted(mappings.documents.values(), key=lambda d: d.path.name),
                           issues=issues, mappings_dir=rt.settings.mappings_dir)


@blueprint.post("/outbox/<int:item_id>/retry")
def retry(item_id: int) -> ResponseReturnValue:
    user = require("operations")
    with runtime().engine.begin() as conn:
        if not outbox.retry(conn, item_id):
            abort(404)
        audit.record(conn, "outbox", item_id, "retry", user.username)
    flash(translate("done.retry", item=item_id), "ok")
    return redirect(url_for(".operations"))
