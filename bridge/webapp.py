"""The web application: webhooks, the wishes API and the admin pages (create_app factory)."""

from __future__ import annotations

import secrets

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from bridge.config import Settings, load_settings
from bridge.runtime import Runtime


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    runtime = runtime or Runtime(settings or load_settings())
    app = Flask(__name__)
    app.config["SECRET_KEY"] = runtime.settings["WISHBRIDGE_SECRET_KEY"] or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    app.extensions["wishbridge.runtime"] = runtime

    from bridge import api, sidebar, web, webhooks

    for blueprint in (webhooks.blueprint, api.blueprint, sidebar.blueprint):
        app.register_blueprint(blueprint)
    web.register(app)

    @app.get("/healthz")
    def health() -> tuple[dict[str, str], int]:
        with runtime.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}, 200

    @app.errorhandler(413)
    def too_large(_error: Exception) -> ResponseReturnValue:
        return jsonify(error="request body too large (5 MiB at most)"), 413

    return app
