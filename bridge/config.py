"""Settings from the environment and an optional .env file, read once at start-up (never at import).

Every key is declared once: the core's in KEYS, each connector's in its own `settings` (names without the
connector's prefix). A key has its default, its parser, whether it is a secret, and a one-line help that
`config.example.env` repeats (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bridge.errors import ConfigError
from bridge.registry import connector_class, known_sources


def url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be a full http(s) URL such as https://example.zendesk.com")
    return value.rstrip("/")


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("must be sqlite:///FILE or postgresql://USER@HOST/DB")
    if value.startswith("postgres:"):
        value = "postgresql:" + value[len("postgres:"):]
    if value.startswith("postgresql:"):
        value = "postgresql+psycopg:" + value[len("postgresql:"):]
    return value


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive whole number")
    return number


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError("must be one of " + ", ".join(allowed))
        return value

    return parse


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda value: parse(value) if value else ""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Key:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False


KEYS: tuple[Key, ...] = (
    Key("DATABASE_URL", "sqlite:///wishbridge.db", "the store: sqlite:///FILE, or postgresql://USER@HOST/DB "
        "when several bridge processes share the work", _database_url),
    Key("WISHBRIDGE_MAPPINGS", "mappings/", "folder of the YAML mappings admins edit", Path),
    Key("WISHBRIDGE_SECRET_KEY", "", "signs admin sessions and sidebar links; set a long random value", secret=True),
    Key("WISHBRIDGE_PUBLIC_URL", "http://127.0.0.1:8080", "address customers and agents use to reach this server",
        url),
    Key("WISHBRIDGE_PROXIES", "0", "reverse proxies in front of `serve` whose X-Forwarded-For names the client (for "
        "log-in throttling and API limits); 0: clients connect directly", _count),
    Key("WISHBRIDGE_API_KEYS", "", "comma-separated keys the product uses for POST /api/v1/wishes", _csv,
        secret=True),
    Key("WISHBRIDGE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR",
        choice("DEBUG", "INFO", "WARNING", "ERROR")),
    Key("WISHBRIDGE_LOG_FORMAT", "text", "text (time level logger event key=value ...) or json (one object a line)",
        choice("text", "json")),
    Key("SYNC_INTERVAL_SECONDS", "60", "how often the worker polls every configured helpdesk", positive_int),
    Key("WORKER_TICK_SECONDS", "1", "how often the worker drains the webhook inbox and the outbox", positive_int),
    Key("OUTBOX_FIRST_RETRY_SECONDS", "60", "wait before a failed message or epic is tried again; it doubles "
        "with each failure up to 30 minutes, for 72 hours", positive_int),
    Key("RECONCILE_INTERVAL_SECONDS", "300", "how often the worker polls trackers for changes a webhook missed",
        positive_int),
    Key("WISHBRIDGE_IMPACT_MIN_DAYS", "7", "days after a release before its impact shows a figure (until then it "
        "reads \"too early\"); the days after are compared with as many days before", positive_int),
    Key("WISHBRIDGE_KEY_ACCOUNT_PAID", "100", "paid accounts that make an organisation a key account in release "
        "digests; 0: size alone makes none", _count),
    Key("WISHBRIDGE_KEY_ACCOUNT_SEGMENTS", "enterprise", "comma-separated segments whose organisations are key "
        "accounts in release digests", _csv),
    Key("WISHBRIDGE_FOLLOW_UP_DAYS", "14", "days after a critical change is released before its requesters are "
        "asked how it works for them (messages.yaml stage follow_up); 0: never ask", _count),
    Key("WISHBRIDGE_FOLLOW_UP_IMPORTANCE", "critical", "comma-separated group importance values that make a "
        "released change critical", _csv),
    Key("WISHBRIDGE_FOLLOW_UP_TAGS", "", "comma-separated ticket tags that make a released change critical too",
        _csv),
    Key("WISHBRIDGE_UNDO_SECONDS", "60", "how long a decline or deferral can be undone on the group page before its "
        "messages go out to the customers; 0: no undo", _count),
)


def connector_keys() -> tuple[Key, ...]:
    """Every installed connector's settings under its prefix (ZENDESK_URL, ...), in the registry's order."""
    return tuple(replace(key, name=f"{name.upper()}_{key.name}")
                 for name in known_sources() for key in connector_class(name).settings)


@cache
def all_keys() -> tuple[Key, ...]:
    return KEYS + connector_keys()


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def section(self, prefix: str) -> dict[str, Any]:
        """`section("ZENDESK")` -> {"url": ..., "email": ..., ...}."""
        start = prefix.upper() + "_"
        return {name[len(start):].lower(): v for name, v in self.values.items() if name.startswith(start)}

    def configured(self, prefix: str) -> bool:
        return bool(self.values.get(prefix.upper() + "_URL"))

    @property
    def database_url(self) -> str:
        return str(self.values["DATABASE_URL"])

    @property
    def mappings_dir(self) -> Path:
        return Path(self.values["WISHBRIDGE_MAPPINGS"])

    def replace(self, **changes: Any) -> Settings:
        return load_settings({**{k: _raw(v) for k, v in self.values.items()}, **changes}, env_file=None)

    def __repr__(self) -> str:
        secrets = {key.name for key in all_keys() if key.secret}
        shown = {
            name: ("***" if name in secrets and value else value) for name, value in self.values.items()
        }
        return f"Settings({shown})"


def _raw(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read every key from `environ` (default: os.environ) over `env_file`; raise one ConfigError listing
    every bad key. Values of secrets never appear in messages."""
    import os

    problems: list[str] = []
    source: dict[str, str] = {}
    if env_file is not None and env_file.exists():
        try:
            source.update({k: v or "" for k, v in dotenv_values(env_file).items()})
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{env_file}: cannot be read ({error.__class__.__name__})")
    source.update(os.environ if environ is None else environ)

    values: dict[str, Any] = {}
    for key in all_keys():
        raw = source.get(key.name, key.default).strip()
        try:
            values[key.name] = key.parse(raw)
        except ValueError as error:
            shown = "(hidden)" if key.secret else repr(raw)
            problems.append(f"{key.name}={shown}: {error}")
    if problems:
        raise ConfigError(problems)
    return Settings(values)
