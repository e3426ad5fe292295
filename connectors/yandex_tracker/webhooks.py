"""Status changes pushed by a queue trigger whose action is an HTTP request. No I/O.

Tracker has no signed webhooks. A queue trigger (conditions: status or resolution changed; action "HTTP
request", https://yandex.cloud/en/docs/tracker/user/set-action#create-http) POSTs TRIGGER_BODY, whose
`{{issue.<field>.<parameter>}}` variables Tracker fills in (https://yandex.cloud/en/docs/tracker/user/vars),
with the header SECRET_HEADER set to YANDEX_TRACKER_WEBHOOK_SECRET; the header's value is compared in constant
time. mappings/yandex_tracker.yaml shows the admin the exact trigger. Tracker sends no delivery id, so a
delivery is known by the SHA-256 of its body (which carries the trigger time).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from bridge.errors import InvalidSignature
from bridge.model import STATUS_CHANGED, IssueState, WebhookEvent
from bridge.payloads import decode_object
from connectors.yandex_tracker.states import STATUS_TYPES, tracker_time

SECRET_HEADER = "X-Wishbridge-Secret"
TRIGGER_BODY = """{
  "issue": "{{issue.key}}",
  "status": "{{issue.status.key}}",
  "statusType": "{{issue.statusType.key}}",
  "resolution": "{{issue.resolution.key}}",
  "fixVersions": "{{issue.fixVersions.display}}",
  "updatedAt": "{{issue.updatedAt.iso8601}}",
  "triggeredAt": "{{currentDateTime.iso8601}}"
}"""
TEXT_FIELDS = ("issue", "status", "statusType", "resolution", "fixVersions", "updatedAt", "triggeredAt")


def verify(headers: Mapping[str, str], secret: str) -> None:
    if not secret:
        raise InvalidSignature("YANDEX_TRACKER_WEBHOOK_SECRET is not set, so no delivery can be verified")
    sent = next((value for name, value in headers.items() if name.lower() == SECRET_HEADER.lower()), "")
    if not hmac.compare_digest(sent.encode(), secret.encode()):
        raise InvalidSignature(f"missing or wrong {SECRET_HEADER} header")


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string")
    return value.strip()


def _time(data: Mapping[str, str], name: str) -> Any:
    try:
        return tracker_time(data[name])
    except ValueError:
        raise ValueError(f"'{name}' is not an ISO 8601 time") from None


def parse(headers: Mapping[str, str], body: bytes, secret: str, source: str) -> list[WebhookEvent]:
    """One STATUS_CHANGED event from a verified trigger request; InvalidSignature or ValueError otherwise.
    An unknown status type (a template without it) leaves the category to the next poll."""
    verify(headers, secret)
    data = decode_object(body, "a Yandex Tracker trigger request")
    fields = {name: _text(data, name) for name in TEXT_FIELDS}
    if not fields["issue"] or not fields["status"]:
        raise ValueError("a trigger request needs 'issue' and 'status'")
    category = fields["statusType"] if fields["statusType"] in STATUS_TYPES else None
    versions = tuple(v.strip() for v in fields["fixVersions"].split(",") if v.strip())
    as_of = _time(fields, "updatedAt") or _time(fields, "triggeredAt")
    state = IssueState(fields["issue"], fields["status"], category, fields["resolution"] or None, versions, as_of)
    return [WebhookEvent(source=source, kind=STATUS_CHANGED, delivery_id=hashlib.sha256(body).hexdigest(),
                         issue_key=state.issue_key, payload=state.record())]
