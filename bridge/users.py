"""People who use the admin pages: stored in `users` with a werkzeug password hash, never the password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from werkzeug.security import check_password_hash, generate_password_hash

from bridge.errors import BridgeError
from bridge.store.schema import users

ROLES = ("support", "analyst", "legal", "product_manager", "admin")
LANGUAGES = ("en", "ru")
MIN_PASSWORD = 8
_NO_USER_HASH = generate_password_hash("no such user: compared so timing does not tell")


class UserError(BridgeError):
    """A user that cannot be created as asked (taken name, unknown role, short password)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    display_name: str
    language: str

    @property
    def name(self) -> str:
        return self.display_name or self.username


def _user(row: object) -> User:
    return User(row.id, row.username, row.role, row.display_name, row.language)  # type: ignore[attr-defined]


def create_user(conn: Connection, username: str, password: str, role: str, *, display_name: str = "",
                language: str = "en") -> User:
    """Add one user; raises UserError listing every problem with the request."""
    username = username.strip()
    problems = []
    if not username:
        problems.append("the username is empty")
    elif get_user(conn, username):
        problems.append(f"user '{username}' already exists")
    if role not in ROLES:
        problems.append(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    if language not in LANGUAGES:
        problems.append(f"unknown language '{language}' (one of {', '.join(LANGUAGES)})")
    if len(password) < MIN_PASSWORD:
        problems.append(f"the password needs at least {MIN_PASSWORD} characters")
    if problems:
        raise UserError("; ".join(problems))
    conn.execute(users.insert().values(
        username=username, password_hash=generate_password_hash(password), role=role,
        display_name=display_name.strip(), language=language, created_at=datetime.now(UTC),
    ))
    user = get_user(conn, username)
    assert user is not None
    return user


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def verify(conn: Connection, username: str, password: str) -> User | None:
    """The user when the password matches; None otherwise, in about the same time either way."""
    row = conn.execute(select(users).where(users.c.username == username.strip())).first()
    if row is None:
        check_password_hash(_NO_USER_HASH, password)
        return None
    return _user(row) if check_password_hash(row.password_hash, password) else None


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.username))]
