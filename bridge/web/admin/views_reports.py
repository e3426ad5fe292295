"""Reports: topic counts per week, month or quarter with their change, a chart, top growers, CSV/XLSX files;
the impact of each release; the release digest for support, sales and customer success (page, Markdown, CSV)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from bridge import reports
from bridge.mapping import Mappings
from bridge.store.users import LANGUAGES
from bridge.web.auth import require
from bridge.web.context import runtime
from bridge.web.i18n import language

blueprint = Blueprint("reports", __name__, url_prefix="/reports")
PERIODS = ("week", "month", "quarter")
MEASURES = ("tickets", "wishes")
RELEASES_SHOWN = 5
FILES: dict[str, tuple[Callable[[reports.TopicReport], str | bytes], str]] = {
    "csv": (lambda report: "\ufeff" + reports.export_csv(report), "text/csv"),
    "xlsx": (reports.export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


def _day(name: str) -> date | None:
    """A YYYY-MM-DD argument; None when absent or malformed."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _options() -> dict[str, Any]:
    """The report's options from the address; `today` (the report as of that day) only when given."""
    count = request.args.get("periods", "6")
    return {
        "period": _choice("period", PERIODS, "month"),
        "measure": _choice("measure", MEASURES, "tickets"),
        "language": _choice("language", LANGUAGES, language()),
        "periods": min(max(int(count), 2), 24) if count.isdigit() else 6,
        **({"today": _day("today")} if _day("today") else {}),
    }


def _impacts(conn: Connection, mappings: Mappings, group_ids: list[int],
             today: date | None = None) -> list[reports.ReleaseImpact]:
    min_days = int(runtime().settings["WISHBRIDGE_IMPACT_MIN_DAYS"])
    found = (reports.release_impact(conn, mappings, group_id, language=language(), min_days=min_days, today=today)
             for group_id in group_ids)
    return [impact for impact in found if impact is not None]


@blueprint.get("/")
def topics() -> ResponseReturnValue:
    require("view")
    options = _options()
    rt = runtime()
    with rt.engine.connect() as conn:
        report = reports.topic_report(conn, rt.mappings, **options)
        impacts = _impacts(conn, rt.mappings, reports.released_groups(conn)[:RELEASES_SHOWN], options.get("today"))
    return render_template("reports.html", report=report, chart=reports.svg_chart(report), options=options,
                           headings=reports.count_headings(report), notes=reports.notes(report), impacts=impacts,
                           periods=PERIODS, measures=MEASURES, report_languages=LANGUAGES)


@blueprint.get("/topics.<kind>")
def export(kind: str) -> ResponseReturnValue:
    require("view")
    if kind not in FILES:
        abort(404)
    options = _options()
    rt = runtime()
    with rt.engine.connect() as conn:
        report = reports.topic_report(conn, rt.mappings, **options)
    render, mimetype = FILES[kind]
    name = f"topics-{options['measure']}-{options['period']}.{kind}"
    return Response(render(report), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@blueprint.get("/release/<int:group_id>")
def release(group_id: int) -> ResponseReturnValue:
    require("view")
    rt = runtime()
    with rt.engine.connect() as conn:
        impacts = _impacts(conn, rt.mappings, [group_id])
    if not impacts:
        abort(404)
    return render_template("release.html", impact=impacts[0])


DIGEST_FILES: dict[str, tuple[Callable[[reports.ReleaseDigest, reports.ReleaseRules], str], str]] = {
    "md": (reports.digest_markdown, "text/markdown; charset=utf-8"),
    "csv": (lambda digest, _rules: "\ufeff" + reports.digest_csv(digest), "text/csv"),
}


def _digest() -> tuple[list[reports.Release], reports.ReleaseDigest | None, reports.ReleaseRules]:
    """Every release, newest first, and the digest of the one asked for (the newest by default), in the
    viewer's language."""
    rt = runtime()
    rules = reports.ReleaseRules.from_settings(rt.settings)
    with rt.engine.connect() as conn:
        found = reports.releases(reports.released_epics(conn))
        wanted = request.args.get("release")
        chosen = next((release for release in found if wanted in (None, release.key)), None)
        if wanted is not None and chosen is None:
            abort(404)
        digest = reports.release_digest(conn, rt.mappings, chosen, rules, language=language()) if chosen else None
    return found, digest, rules


@blueprint.get("/digest")
def digest() -> ResponseReturnValue:
    require("view")
    found, chosen, rules = _digest()
    return render_template("release_digest.html", releases=found, digest=chosen, rules=rules,
                           key_rule=reports.key_rule(rules, language()), release_name=reports.release_name,
                           asked_text=reports.asked_text, account_text=reports.account_text)


@blueprint.get("/digest.<kind>")
def digest_file(kind: str) -> ResponseReturnValue:
    require("view")
    if kind not in DIGEST_FILES:
        abort(404)
    _, chosen, rules = _digest()
    if chosen is None:
        abort(404)
    render, mimetype = DIGEST_FILES[kind]
    name = f"release-digest-{re.sub(r'[^A-Za-z0-9._-]+', '-', chosen.release.key)}.{kind}"
    return Response(render(chosen, rules), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})
