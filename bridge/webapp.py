"""The web application: webhooks, the wishes API and the admin pages (create_app factory)."""

from __future__ import annotations

import secrets

from flask import Flask, jsonify

from bridge.config import Settings, load_settings
from bridge.runtime import Runtime


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    runtime = runtime or Runtime(settings or load_settings())
    app = Flask(__name__)
    app.config["SECRET_KEY"] = runtime.settings["WISHBRIDGE_SECRET_KEY"] or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    app.extensions["wishbridge.runtime"] = runtime

    from bridge import webhooks

    app.register_blueprint(webhooks.blueprint)
    from bridge import sidebar
    app.register_blueprint(sidebar.blueprint)
    from bridge import api
    app.register_blueprint(api.blueprint)

    @app.get("/healthz")
    def health() -> tuple[dict[str, str], int]:
        with runtime.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}, 200

    @app.errorhandler(413)
    def too_large(_error: Exception) -> tuple[object, int]:
        return jsonify(error="request body too large (5 MiB at most)"), 413

    return app
