"""Approving a group by an existing tracker issue, or handing it over again to one, names that issue: its key is
checked with the tracker (bridge.tracker.keys) before the action runs, outside its transaction, so a wrong key or
an unreachable tracker changes nothing: no state, no audit row, no customer message."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from bridge.text.explain import key_refusal
from bridge.tracker.keys import KeyRefused, check_issue_key
from bridge.web.admin.pages import optional
from bridge.web.context import runtime
from bridge.web.i18n import language

KEYED = frozenset({"approve", "handover"})  # the actions whose form may name an existing issue (`issue_key`)


def checked(action: str, form: MultiDict[str, str]) -> MultiDict[str, str]:
    """`form` with its issue key in the tracker's own spelling, once the tracker has shown the issue; KeyRefused
    when it is refused. Forms of other actions, and forms naming no issue, pass as they are."""
    text = optional(form, "issue_key")
    if action not in KEYED or text is None:
        return form
    known = form.copy()
    known["issue_key"] = check_issue_key(runtime().tracker(), text)
    return known


def refusal(refused: KeyRefused) -> str:
    """Why the key was refused, in the reader's language."""
    return key_refusal(refused, language())


def status(refused: KeyRefused) -> int:
    """The page's status: the tracker could not be asked (503), or the key is wrong (400)."""
    return 503 if refused.why == "unreachable" else 400
