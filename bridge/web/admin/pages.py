"""Helpers every admin view shares: safe redirects, the form fields a view insists on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import request, url_for

from bridge.text.numbers import parse_public_number


class BadField(Exception):
    """A form field an action needs is missing or malformed."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def local_url(target: str | None, fallback: str) -> str:
    """`target` when it stays on this site (a path), else `fallback`: no open redirects."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def page_url(number: int) -> str:
    """This page's address, filters kept, showing page `number` of its list."""
    return url_for(str(request.endpoint), **{**(request.view_args or {}), **request.args.to_dict(), "page": number})


def field(form: Mapping[str, str], name: str) -> str:
    """A required, non-blank form field."""
    value = (form.get(name) or "").strip()
    if not value:
        raise BadField(name)
    return value


def optional(form: Mapping[str, str], name: str) -> str | None:
    return (form.get(name) or "").strip() or None


def when(value: datetime | date | str | None) -> str:
    """Timestamps as `2026-11-24 06:58` (UTC), dates as `2026-11-24`."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def number(form: Mapping[str, str], name: str) -> int:
    """A required group, by its public number (`W-42`) or id (`42`, `#42`)."""
    group_id = parse_public_number(field(form, name))
    if group_id is None:
        raise BadField(name)
    return group_id


def day(form: Mapping[str, str], name: str) -> date | None:
    value = optional(form, name)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BadField(name) from None
