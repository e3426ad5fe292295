"""`wishbridge user add | list`."""

from __future__ import annotations

from click.testing import CliRunner

from bridge.cli import main
from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.users import verify


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
