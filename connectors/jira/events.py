"""Jira admin webhooks: verified by X-Hub-Signature and read into issue states. Pure: no I/O.
https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.errors import InvalidSignature
from bridge.model import STATUS_CHANGED, IssueState, WebhookEvent
from bridge.payloads import decode_object

WATCHED_FIELDS = {"status": "status", "resolution": "resolution", "fixversions": "fixVersions",
                  "fix version": "fixVersions"}


def verify(secret: str, header: str, body: bytes) -> None:
    if not secret:
        raise InvalidSignature("JIRA_WEBHOOK_SECRET is not set, so no delivery can be verified")
    method, _, signature = header.partition("=")
    if method != "sha256" or not signature:
        raise InvalidSignature("missing or malformed X-Hub-Signature header")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise InvalidSignature("X-Hub-Signature does not match the body")


def parse(headers: Mapping[str, str], body: bytes, *, secret: str, bridge_email: str) -> list[WebhookEvent]:
    """Verify the delivery and read the status, resolution and fix-version changes from its changelog."""
    lowered = {k.lower(): v for k, v in headers.items()}
    verify(secret, lowered.get("x-hub-signature", ""), body)
    data = decode_object(body, "a Jira webhook event")
    issue = data.get("issue") or {}
    delivery = lowered.get("x-atlassian-webhook-identifier") or hashlib.sha256(body).hexdigest()
    user = data.get("user") or {}
    by_bridge = bool(bridge_email) and str(user.get("emailAddress") or "").casefold() == bridge_email.casefold()
    payload = {**changed_state(data).record(), "actor": user.get("accountId") or user.get("name") or "",
               "by_bridge": by_bridge}
    return [WebhookEvent(source="jira", kind=event_kind(data), delivery_id=delivery, issue_key=issue.get("key"),
                         payload=payload)]


def changed_state(data: Mapping[str, Any]) -> IssueState:
    """The issue's state after the change: the changelog's new values win over the issue body, which Jira may
    send as it was a moment before."""
    state = issue_state(data.get("issue") or {})
    changes = watched_changes(data)
    status, category = state.status, state.status_category
    if "status" in changes and changes["status"][-1] != status:
        status, category = changes["status"][-1], None
    resolution = changes["resolution"][-1] if "resolution" in changes else state.resolution
    versions = state.fix_versions or tuple(v for v in changes.get("fixVersions", []) if v)
    stamp = data.get("timestamp")
    as_of = datetime.fromtimestamp(int(stamp) / 1000, UTC) if stamp else state.as_of
    return IssueState(state.issue_key, status, category, resolution, versions, as_of, state.issue_id)


def watched_changes(data: Mapping[str, Any]) -> dict[str, list[str | None]]:
    """New values of status, resolution and fix versions in the changelog, by field id (Server omits
    `fieldId`, and Cloud names the field "Fix Version" or "Status" in `field`)."""
    found: dict[str, list[str | None]] = {}
    for item in (data.get("changelog") or {}).get("items") or []:
        name = str(item.get("fieldId") or item.get("field") or "").casefold()
        field = WATCHED_FIELDS.get(name)
        if field:
            found.setdefault(field, []).append(item.get("toString"))
    return found


def event_kind(data: Mapping[str, Any]) -> str:
    """`status_changed` when an update's changelog touches status, resolution or fix versions. The vendor's
    `issue_event_type_name` varies by site and workflow, so it is never read."""
    event = str(data.get("webhookEvent") or "")
    if event == "jira:issue_updated" and watched_changes(data):
        return STATUS_CHANGED
    return event.removeprefix("jira:") or "unknown"


def issue_state(issue: Mapping[str, Any]) -> IssueState:
    """Status name, status category key, resolution and fix versions of an issue as Jira returns it."""
    fields = issue.get("fields") or {}
    status = fields.get("status") or {}
    resolution = fields.get("resolution") or {}
    return IssueState(
        issue_key=str(issue.get("key") or ""),
        status=status.get("name"),
        status_category=(status.get("statusCategory") or {}).get("key"),
        resolution=resolution.get("name"),
        fix_versions=tuple(v.get("name") for v in fields.get("fixVersions") or [] if v.get("name")),
        as_of=jira_time(fields.get("updated")),
        issue_id=str(issue.get("id") or ""),
    )


def jira_time(value: Any) -> datetime | None:
    """Jira's `updated` ("2026-11-24T08:08:20.000+0000")."""
    if not value:
        return None
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z")
