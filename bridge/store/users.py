"""People who use the admin pages: stored in `users` with a werkzeug password hash, never the password.

A session is good while its user is enabled and its generation is the user's: log-out, a new password and
disabling the user raise the generation, which ends every session the user has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from bridge.errors import BridgeError
from bridge.store.schema import users
from bridge.text.catalogue import LANGUAGES

ROLES = ("support", "analyst", "legal", "product_manager", "admin")
MIN_PASSWORD = 8
_NO_USER_HASH = generate_password_hash("no such user: compared so timing does not tell")


class UserError(BridgeError):
    """A user that cannot be created or changed as asked (taken name, unknown role, short password, no such user)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    display_name: str
    language: str
    generation: int = 0
    disabled: bool = False

    @property
    def name(self) -> str:
        return self.display_name or self.username


def _user(row: Any) -> User:
    return User(row.id, row.username, row.role, row.display_name, row.language, row.session_generation,
                row.disabled)


def create_user(conn: Connection, username: str, password: str, role: str, *, display_name: str = "",
                language: str = "en") -> User:
    """Add one user; raises UserError listing every problem with the request."""
    username = username.strip()
    problems = []
    if not username:
        problems.append("the username is empty")
    elif get_user(conn, username):
        problems.append(f"user '{username}' already exists")
    problems.extend(_choice_problems(role, language))
    problems.extend(_password_problems(password))
    if problems:
        raise UserError("; ".join(problems))
    conn.execute(users.insert().values(
        username=username, password_hash=generate_password_hash(password), role=role,
        display_name=display_name.strip(), language=language, created_at=datetime.now(UTC),
    ))
    user = get_user(conn, username)
    assert user is not None
    return user


def _choice_problems(role: str, language: str) -> list[str]:
    problems = []
    if role not in ROLES:
        problems.append(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    if language not in LANGUAGES:
        problems.append(f"unknown language '{language}' (one of {', '.join(LANGUAGES)})")
    return problems


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def update_user(conn: Connection, username: str, *, display_name: str, role: str, language: str) -> User:
    """Store the user's name, role and language; raises UserError listing every problem. Their sessions go on:
    every request reads the role afresh."""
    problems = _choice_problems(role, language)
    if problems:
        raise UserError("; ".join(problems))
    done = conn.execute(update(users).where(users.c.username == username)
                        .values(display_name=display_name.strip(), role=role, language=language))
    if not done.rowcount:
        raise UserError(f"no user '{username}'")
    user = get_user(conn, username)
    assert user is not None
    return user


def verify(conn: Connection, username: str, password: str) -> User | None:
    """The enabled user when the password matches; None otherwise, in about the same time either way."""
    row = conn.execute(select(users).where(users.c.username == username.strip())).first()
    if row is None:
        check_password_hash(_NO_USER_HASH, password)
        return None
    return _user(row) if check_password_hash(row.password_hash, password) and not row.disabled else None


def _password_problems(password: str) -> list[str]:
    return [f"the password needs at least {MIN_PASSWORD} characters"] if len(password) < MIN_PASSWORD else []


def _change(conn: Connection, username: str, **values: Any) -> None:
    """Store `values` for the user and end every session they have."""
    done = conn.execute(update(users).where(users.c.username == username)
                        .values(**values, session_generation=users.c.session_generation + 1))
    if not done.rowcount:
        raise UserError(f"no user '{username}'")


def end_sessions(conn: Connection, username: str) -> None:
    """Sign the user out everywhere: every session cookie they hold stops working."""
    _change(conn, username)


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new password; every session of the user ends."""
    problems = _password_problems(password)
    if problems:
        raise UserError("; ".join(problems))
    _change(conn, username, password_hash=generate_password_hash(password))


def set_disabled(conn: Connection, username: str, disabled: bool) -> None:
    """A disabled user cannot log in, and every session they have ends."""
    _change(conn, username, disabled=disabled)


def session_valid(user: User | None, generation: object) -> bool:
    """Whether a session carrying `generation` still belongs to `user`."""
    return user is not None and not user.disabled and generation == user.generation


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.username))]
