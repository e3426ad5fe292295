"""The one way the web layer reaches the process's Runtime (store engine, mappings, connectors, settings)."""

from __future__ import annotations

from flask import Flask, current_app

from bridge.runtime import Runtime

_KEY = "wishbridge.runtime"


def attach(app: Flask, runtime: Runtime) -> None:
    """Make `runtime` the one every request of `app` uses."""
    app.extensions[_KEY] = runtime


def runtime(app: Flask | None = None) -> Runtime:
    """The Runtime of `app`, by default of the app handling the current request."""
    found: Runtime = (app or current_app).extensions[_KEY]
    return found
