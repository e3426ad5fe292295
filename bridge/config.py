"""Settings from the environment and an optional .env file, read once at start-up (never at import).

Every key is declared once in KEYS: its default, its parser, whether it is a secret, and a one-line help
that `config.example.env` repeats (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bridge.errors import ConfigError


def _url(value: str) -> str:
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


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive whole number")
    return number


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError("must be one of " + ", ".join(allowed))
        return value

    return parse


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
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
        _url),
    Key("WISHBRIDGE_PROXIES", "0", "reverse proxies in front of `serve` whose X-Forwarded-For names the client (for "
        "log-in throttling and API limits); 0: clients connect directly", _count),
    Key("WISHBRIDGE_API_KEYS", "", "comma-separated keys the product uses for POST /api/v1/wishes", _csv,
        secret=True),
    Key("WISHBRIDGE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR",
        _choice("DEBUG", "INFO", "WARNING", "ERROR")),
    Key("WISHBRIDGE_LOG_FORMAT", "text", "text (time level logger event key=value ...) or json (one object a line)",
        _choice("text", "json")),
    Key("SYNC_INTERVAL_SECONDS", "60", "how often the worker polls every configured helpdesk", _positive_int),
    Key("WORKER_TICK_SECONDS", "1", "how often the worker drains the webhook inbox and the outbox", _positive_int),
    Key("OUTBOX_FIRST_RETRY_SECONDS", "60", "wait before a failed message or epic is tried again; it doubles "
        "with each failure up to 30 minutes, for 72 hours", _positive_int),
    Key("RECONCILE_INTERVAL_SECONDS", "300", "how often the worker polls trackers for changes a webhook missed",
        _positive_int),
    Key("ZENDESK_URL", "", "e.g. https://acme.zendesk.com (empty: Zendesk not used)", _optional(_url)),
    Key("ZENDESK_EMAIL", "", "agent e-mail for API-token auth"),
    Key("ZENDESK_API_TOKEN", "", "Zendesk API token", secret=True),
    Key("ZENDESK_WEBHOOK_SECRET", "", "signing secret of the Zendesk webhook", secret=True),
    Key("ZENDESK_APP_PUBLIC_KEY", "", "PEM public key of the Wishbridge Zendesk app (GET /api/v2/apps/{id}/"
        "public_key.pem; newlines may be written \\n): Zendesk signs the sidebar's JWT with RS256"),
    Key("ZENDESK_APP_SECRET", "", "shared HS256 secret for the sidebar's JWT when no public key is set (sandbox)",
        secret=True),
    Key("ZENDESK_EXPORT_RPM", "10", "incremental export requests per minute (30 with High Volume)", _positive_int),
    Key("JIRA_URL", "", "e.g. https://acme.atlassian.net (empty: Jira not used)", _optional(_url)),
    Key("JIRA_EMAIL", "", "Jira Cloud account e-mail (empty on Server/Data Center)"),
    Key("JIRA_API_TOKEN", "", "Jira Cloud API token, or a personal access token on Server/Data Center",
        secret=True),
    Key("JIRA_DEPLOYMENT", "cloud", "cloud (REST v3, ADF) or server (REST v2, wiki markup, Bearer PAT)",
        _choice("cloud", "server")),
    Key("JIRA_WEBHOOK_SECRET", "", "secret of the Jira admin webhook (X-Hub-Signature)", secret=True),
    Key("RT_URL", "", "Request Tracker base URL, e.g. https://rt.example.com (empty: RT not used)",
        _optional(_url)),
    Key("RT_TOKEN", "", "RT auth token of the bridge's user", secret=True),
    Key("RT_QUEUE", "General", "RT queue whose tickets the bridge reads"),
    Key("FRESHDESK_URL", "", "e.g. https://acme.freshdesk.com (empty: Freshdesk not used)", _optional(_url)),
    Key("FRESHDESK_API_KEY", "", "Freshdesk API key", secret=True),
    Key("FRESHDESK_WEBHOOK_SECRET", "", "shared secret of the Freshdesk automation webhook (X-Wishbridge-Secret "
        "header, basic-auth password or ?secret=); empty: every Freshdesk webhook is refused", secret=True),
)
KEYS_BY_NAME = {key.name: key for key in KEYS}


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
        shown = {
            name: ("***" if KEYS_BY_NAME[name].secret and value else value) for name, value in self.values.items()
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
    for key in KEYS:
        raw = source.get(key.name, key.default).strip()
        try:
            values[key.name] = key.parse(raw)
        except ValueError as error:
            shown = "(hidden)" if key.secret else repr(raw)
            problems.append(f"{key.name}={shown}: {error}")
    if problems:
        raise ConfigError(problems)
    return Settings(values)
