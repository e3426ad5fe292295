"""An issue as Yandex Tracker returns it, reduced to an IssueState. Pure: no I/O.

The status is the status `key` (stable; `display` is localized), its category the status `type` that
`GET /v3/statuses` lists for it (https://yandex.ru/support/tracker/en/concepts/get-statuses), the resolution
its `key`, the fix versions their `display` names, and `as_of` the issue's `updatedAt`
(`YYYY-MM-DDThh:mm:ss.sss±hhmm`, https://yandex.ru/support/tracker/en/api-ref/issues/response-fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.model import IssueState

# https://yandex.ru/support/tracker/en/concepts/create-status
STATUS_TYPES = ("new", "inProgress", "paused", "done", "cancelled")


def tracker_time(value: Any) -> datetime | None:
    """A Tracker timestamp ("2017-07-18T13:33:44.291+0000", or a trigger's "...Z"); None when empty. Tracker
    sends times in UTC, so one without an offset is read as UTC."""
    if not value:
        return None
    when = datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _key(value: Any) -> str | None:
    return str(value.get("key") or "") or None if isinstance(value, Mapping) else None


def issue_state(issue: Mapping[str, Any], status_types: Mapping[str, str], key: str | None = None) -> IssueState:
    """The state of `issue`, under `key` when the caller knows it by another of its keys (an alias)."""
    status = _key(issue.get("status"))
    versions = tuple(str(v.get("display")) for v in issue.get("fixVersions") or [] if v.get("display"))
    category = status_types.get(status or "") or None
    return IssueState(key or str(issue["key"]), status, category, _key(issue.get("resolution")), versions,
                      tracker_time(issue.get("updatedAt")), str(issue.get("id") or ""))
