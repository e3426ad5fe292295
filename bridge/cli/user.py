"""`wishbridge user add | list | password | disable | enable`: the people who may log in to the admin pages."""

from __future__ import annotations

import click

from bridge.cli.core import runtime_of
from bridge.store import audit
from bridge.store.users import LANGUAGES, ROLES, create_user, list_users, set_disabled, set_password


@click.group("user")
def user_cli() -> None:
    """Admin-page users and their roles."""


@user_cli.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when omitted (never echoed).")
@click.option("--language", default="en", show_default=True, type=click.Choice(LANGUAGES))
@click.option("--name", "display_name", default="", help="Shown in the pages and the audit trail.")
@click.pass_context
def user_add(ctx: click.Context, username: str, role: str, password: str, language: str,
             display_name: str) -> None:
    """Create USERNAME with a hashed password."""
    with runtime_of(ctx).engine.begin() as conn:
        user = create_user(conn, username, password, role, display_name=display_name, language=language)
        audit.record(conn, "user", user.username, "create", "cli", details={"role": role})
    click.echo(f"user {user.username} added ({user.role}, {user.language})")


@user_cli.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """Every user with role and language."""
    with runtime_of(ctx).engine.connect() as conn:
        for user in list_users(conn):
            state = "\tdisabled" if user.disabled else ""
            click.echo(f"{user.username}\t{user.role}\t{user.language}\t{user.display_name}{state}")


@user_cli.command("password")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="Asked for when omitted (never echoed).")
@click.pass_context
def user_password(ctx: click.Context, username: str, password: str) -> None:
    """Give USERNAME a new password; every session they have ends."""
    with runtime_of(ctx).engine.begin() as conn:
        set_password(conn, username, password)
        audit.record(conn, "user", username, "password", "cli")
    click.echo(f"user {username}: password changed, every session ended")


def _access_command(name: str, disabled: bool, help_text: str) -> None:
    @user_cli.command(name, help=help_text)
    @click.argument("username")
    @click.pass_context
    def command(ctx: click.Context, username: str) -> None:
        with runtime_of(ctx).engine.begin() as conn:
            set_disabled(conn, username, disabled)
            audit.record(conn, "user", username, name, "cli")
        click.echo(f"user {username} {name}d" + (", every session ended" if disabled else ""))


_access_command("disable", True, "Stop USERNAME from logging in; every session they have ends.")
_access_command("enable", False, "Let a disabled USERNAME log in again.")
