"""`wishbridge user add | list | password | disable | enable`."""

from __future__ import annotations

from click.testing import CliRunner

from bridge.cli import main
from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store.users import get_user, session_valid, verify


def run(settings: Settings, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": settings.database_url, "WISHBRIDGE_MAPPINGS": str(settings.mappings_dir)}
    return CliRunner().invoke(main, ["--env-file", "/nonexistent.env", *args], env=env, input=input)


def test_user_add_stores_a_hashed_password_that_verifies(settings: Settings) -> None:
    result = run(settings, "user", "add", "maria", "--role", "product_manager", "--password", "s3cret-pass",
                 "--language", "ru")
    assert result.exit_code == 0, result.output
    assert "user maria added (product_manager, ru)" in result.output
    with Runtime(settings).engine.connect() as conn:
        user = verify(conn, "maria", "s3cret-pass")
        assert user is not None and user.role == "product_manager"
        assert verify(conn, "maria", "wrong-pass") is None


def test_user_add_prompts_for_the_password_twice_without_echo(settings: Settings) -> None:
    result = run(settings, "user", "add", "pavel", "--role", "support", input="long-enough\nlong-enough\n")
    assert result.exit_code == 0, result.output
    assert "long-enough" not in result.output
    assert "pavel\tsupport\ten" in run(settings, "user", "list").output


def test_user_add_refuses_a_taken_name_with_one_clear_message(settings: Settings) -> None:
    run(settings, "user", "add", "olga", "--role", "legal", "--password", "long-enough")
    result = run(settings, "user", "add", "olga", "--role", "legal", "--password", "short")
    assert result.exit_code == 1
    assert "user 'olga' already exists; the password needs at least 8 characters" in result.output


def test_user_add_refuses_an_unknown_role(settings: Settings) -> None:
    result = run(settings, "user", "add", "x", "--role", "boss", "--password", "long-enough")
    assert result.exit_code == 2 and "boss" in result.output


def test_user_password_changes_the_password_and_ends_every_session(settings: Settings) -> None:
    run(settings, "user", "add", "irina", "--role", "analyst", "--password", "first-password")
    with Runtime(settings).engine.connect() as conn:
        before = get_user(conn, "irina")
    result = run(settings, "user", "password", "irina", input="second-password\nsecond-password\n")
    assert result.exit_code == 0, result.output
    assert "second-password" not in result.output and "every session ended" in result.output
    with Runtime(settings).engine.connect() as conn:
        assert verify(conn, "irina", "first-password") is None
        assert verify(conn, "irina", "second-password") is not None
        assert not session_valid(get_user(conn, "irina"), before.generation if before else None)


def test_user_disable_refuses_the_log_in_and_enable_restores_it(settings: Settings) -> None:
    run(settings, "user", "add", "oleg", "--role", "support", "--password", "long-enough")
    assert run(settings, "user", "disable", "oleg").exit_code == 0
    assert "oleg\tsupport\ten\t\tdisabled" in run(settings, "user", "list").output
    with Runtime(settings).engine.connect() as conn:
        assert verify(conn, "oleg", "long-enough") is None
    assert run(settings, "user", "enable", "oleg").exit_code == 0
    with Runtime(settings).engine.connect() as conn:
        assert verify(conn, "oleg", "long-enough") is not None


def test_changing_an_unknown_user_is_one_clear_error(settings: Settings) -> None:
    result = run(settings, "user", "disable", "nobody")
    assert result.exit_code == 1 and "no user 'nobody'" in result.output
