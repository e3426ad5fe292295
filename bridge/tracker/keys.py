"""An existing tracker issue a person names (to approve a group by linking it, or to hand a group over again) is
checked with the tracker before anything changes: its format first (no call), then that the tracker has it.
Only the Tracker port is used here."""

from __future__ import annotations

from bridge.errors import ConnectorError, reason
from bridge.ports import Tracker


class KeyRefused(Exception):
    """Why an issue key was refused: `why` is no_tracker, format, unknown or unreachable; `tracker` is the
    configured tracker's name and `error` what went wrong asking it (when unreachable)."""

    def __init__(self, why: str, key: str, tracker: str = "", error: str = "") -> None:
        super().__init__(f"issue key '{key}' refused: {why}" + (f" ({error})" if error else ""))
        self.why, self.key, self.tracker, self.error = why, key, tracker, error


def check_issue_key(tracker: Tracker | None, text: str) -> str:
    """The key of the existing issue `text` names, in the tracker's spelling, once the tracker has shown it;
    KeyRefused when no tracker is configured, `text` is no key of its, it has no such issue, or it cannot be
    asked now (a time-out, a 5xx, a refused log-in)."""
    if tracker is None:
        raise KeyRefused("no_tracker", text)
    key = tracker.issue_key(text)
    if key is None:
        raise KeyRefused("format", text.strip(), tracker.name)
    try:
        found = tracker.get_issue(key)
    except ConnectorError as error:
        raise KeyRefused("unreachable", key, tracker.name, reason(error)) from error
    if found is None:
        raise KeyRefused("unknown", key, tracker.name)
    return found.issue_key

