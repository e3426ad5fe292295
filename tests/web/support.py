"""Helpers for the admin-page tests: users per role, signing in without the slow password check, posting
forms with the session's CSRF token, and seeding wish groups through the workflow itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from bridge.mapping import Mappings
from bridge.store import outbox
from bridge.store.schema import users
from bridge.store.users import ROLES
from bridge.workflow import lifecycle as wishes

PASSWORD = "correct horse battery"
TOKEN = "test-csrf-token"
# A cheap hash keeps the tests fast; verify() accepts any werkzeug hash method.
_FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def add_role_users(engine: Engine) -> None:
    """One user per role, named after the role, language English."""
    with engine.begin() as conn:
        for role in ROLES:
            conn.execute(users.insert().values(username=role, password_hash=_FAST_HASH, role=role,
                                               display_name=role.replace("_", " ").title(), language="en",
                                               created_at=datetime.now(UTC)))


def sign_in(client: FlaskClient, username: str) -> None:
    with client.session_transaction() as session:
        session["user"] = username
        session["generation"] = 0
        session["csrf"] = TOKEN


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
    return client.post(url, data={"csrf_token": TOKEN, **(data or {})}, **kwargs)


def add_group(engine: Engine, mappings: Mappings, text: str, *, organization: str = "Acme",
              category: str | None = None, subcategory: str | None = None) -> int:
    with engine.begin() as conn:
        return wishes.add_wish(conn, mappings, door="manual", text=text, actor="seed", organization=organization,
                               category=category, subcategory=subcategory).group_id


def in_queue(engine: Engine, mappings: Mappings, text: str, queue: str) -> int:
    """A group routed to `queue` (state in_analysis)."""
    group_id = add_group(engine, mappings, text)
    with engine.begin() as conn:
        wishes.route(conn, mappings, group_id, queue, "seed")
    return group_id


def dead_letter(engine: Engine, key: str, error: str, target: str = "jira", kind: str = "create_epic") -> int:
    """An outbox item that failed for good; returns its id."""
    with engine.begin() as conn:
        outbox.enqueue(conn, key, target, kind, {"group_id": 1})
        item_id = int(outbox.items(conn)[0]["id"])
        outbox.fail(conn, item_id, error, fatal=True)
    return item_id


def page(response: TestResponse) -> str:
    return response.get_data(as_text=True)
