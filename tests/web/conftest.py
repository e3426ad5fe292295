"""Fixtures for the admin pages: an app on a fresh SQLite store with one user per role."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.web.app import create_app
from tests.web.support import add_role_users


@pytest.fixture
def web_runtime(settings: Settings) -> Runtime:
    return Runtime(settings)


@pytest.fixture
def app(web_runtime: Runtime) -> Flask:
    app = create_app(runtime=web_runtime)
    add_role_users(web_runtime.engine)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
