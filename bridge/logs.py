"""Log lines that carry their context: `time LEVEL logger event key=value ...`, or one JSON object a line.

Values under secret-looking keys (token, secret, password, authorization, api_key, cookie) are redacted, and the
bound values SQLAlchemy puts into a database error (customers' names and e-mails) never reach a line.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

SECRET_KEY = re.compile(r"token|secret|passw|authorization|api_?key|cookie", re.IGNORECASE)
REDACTED = "[redacted]"
# SQLAlchemy appends "[parameters: (...)]" before its "(Background on this error ...)" line; PostgreSQL adds a
# "DETAIL:  Key (email)=(...)" line naming the conflicting values.
_DATABASE_VALUES = re.compile(r"\n?\[parameters: .*?\](?=\n\(Background on this error|\Z)|\n?DETAIL: [^\n]*",
                              re.DOTALL)
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_HANDLER_NAME = "wishbridge"


def without_database_values(text: str) -> str:
    """`text` with the bound parameters and PostgreSQL's DETAIL lines of any database error removed."""
    return _DATABASE_VALUES.sub("", text)


def describe(error: BaseException) -> str:
    """`ErrorClass: message` for the store or an operator, with no database values in it."""
    return without_database_values(f"{error.__class__.__name__}: {error}")


def redact(value: Any, key: str = "") -> Any:
    """`value` with everything under a secret-looking key replaced, nested mappings and lists included, and
    no database values in its text."""
    if SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return without_database_values(value)
    if isinstance(value, dict):
        return {name: redact(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def context(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra={...}` a log call passed, redacted."""
    return {key: redact(value, key) for key, value in vars(record).items()
            if key not in _RECORD_FIELDS and not key.startswith("_")}


def _pair(key: str, value: Any) -> str:
    """`key=value`; text with spaces or quotes is quoted, anything else is compact JSON."""
    if not isinstance(value, str):
        return f"{key}={json.dumps(value, ensure_ascii=False, default=str, separators=(',', ':'))}"
    quote = not value or re.search(r'[\s="\\]', value)
    return f"{key}={json.dumps(value, ensure_ascii=False) if quote else value}"


class ContextFormatter(logging.Formatter):
    """`2026-12-03 08:00:00,123 WARNING bridge.outbox.drain outbox.failed key=stage:new:g1:e0:t4 status=503`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        pairs = " ".join(_pair(key, value) for key, value in context(record).items())
        return f"{super().formatMessage(record)} {pairs}".rstrip()

    def format(self, record: logging.LogRecord) -> str:
        return without_database_values(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event, the context keys and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                "event": without_database_values(record.getMessage()), **context(record)}
        if record.exc_info:
            line["exception"] = without_database_values(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str = "INFO", form: str = "text") -> None:
    """Send every log line to stderr in `form` (text or json); calling again replaces this handler. Like
    logging.basicConfig, it leaves alone a host that handles logging already (a test runner, an embedding app)."""
    root = logging.getLogger()
    root.setLevel(level)
    ours = [h for h in root.handlers if h.name == _HANDLER_NAME]
    if len(ours) < len(root.handlers):
        return
    for handler in ours:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.name = _HANDLER_NAME
    handler.setFormatter(JsonFormatter() if form == "json" else ContextFormatter())
    root.addHandler(handler)
