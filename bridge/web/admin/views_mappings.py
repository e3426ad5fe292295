"""The loaded mappings (admins), read-only: each file with what it says, line by line, and every problem with its
file and line, all at once (as `wishbridge mappings check` lists them)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from bridge.mapping.outline import survey
from bridge.web.auth import require
from bridge.web.context import runtime

blueprint = Blueprint("mappings", __name__, url_prefix="/mappings")


@blueprint.get("/")
def mappings() -> ResponseReturnValue:
    require("mappings")
    directory = runtime().settings.mappings_dir
    files, general = survey(directory)
    return render_template("mappings.html", files=files, general=general, directory=directory,
                           problems=sum(len(f.issues) for f in files) + len(general))
