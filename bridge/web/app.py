"""The web application: webhooks, the wishes API and the admin pages (create_app factory)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from bridge.config import Settings, load_settings
from bridge.runtime import Runtime
from bridge.store.ids import ID_MAX
from bridge.text.numbers import public_number
from bridge.web import admin, api, sidebar, webhooks
from bridge.web.context import attach


class StoreId(IntegerConverter):
    """`<int:...>` in every route: a number the store's id columns can hold; a longer one is a 404, never a
    database overflow."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, **{"max": ID_MAX, **kwargs})


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    runtime = runtime or Runtime(settings or load_settings())
    app = Flask(__name__)
    app.url_map.converters["int"] = StoreId
    app.config["SECRET_KEY"] = runtime.settings["WISHBRIDGE_SECRET_KEY"] or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    attach(app, runtime)
    app.add_template_filter(public_number)   # {{ group.id | public_number }}: W-12 on every page
    if runtime.settings["WISHBRIDGE_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=runtime.settings["WISHBRIDGE_PROXIES"])  # type: ignore[method-assign]

    webhooks.install(app)
    for blueprint in (api.blueprint, sidebar.blueprint):
        app.register_blueprint(blueprint)
    admin.register(app)

    @app.get("/healthz")
    def health() -> tuple[dict[str, str], int]:
        with runtime.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}, 200

    @app.errorhandler(413)
    def too_large(_error: Exception) -> ResponseReturnValue:
        return jsonify(error="request body too large (5 MiB at most)"), 413

    return app
