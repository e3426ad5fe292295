"""Deliveries of the API channel's "Redirect url" (Channels → API, with "JSON request" ticked). Usedesk signs
nothing: every body carries the channel's `secret` (https://usedeskkb.atlassian.net/wiki/spaces/APIDOC/pages/
648348575/Requests+from+Usedesk+Webhooks, https://api.usedocs.com/article/51405), compared here in constant
time with USEDESK_WEBHOOK_SECRET. Bodies, by what they carry:

    {"secret", "ticket": {"id", "status_id", ...}}                       a new ticket (documented example)
    {"secret", "comment": {"id", "ticket_id", "from", "type", ...}}       a new comment
    {"secret", "trigger": {"id", "ticket_id", "data": [{"target", "value", "old_value"}],
                           "old_status", "new_status", ...}}             a changed ticket (the change's id)
    {"secret", "csi": {...}}                                              a customer's rating: no event

The comment and change shapes follow the documented parameter tables and github.com/Humdruman/usedesk-client
src/types/UsedeskWebhok.ts; a change's fields are also read at the top level, as the table lists them.
The delivery id is the comment's or change's id, the new ticket's id, else the SHA-256 of the body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from bridge.errors import InvalidSignature
from bridge.model import TicketRef, WebhookEvent
from bridge.payloads import decode_object

SOURCE = "usedesk"


def verify(data: Mapping[str, Any], secret: str) -> None:
    if not secret:
        raise InvalidSignature("USEDESK_WEBHOOK_SECRET is not set: every Usedesk webhook is refused")
    given = data.get("secret")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), secret.encode()):
        raise InvalidSignature("the delivery's `secret` is missing or wrong")


def _ticket_id(value: Any) -> str:
    text = str(value if value is not None else "")
    if not text.isdigit():
        raise ValueError(f"a Usedesk webhook must name its ticket by a numeric id, got {text!r}")
    return text


def _event(kind: str, ticket_id: Any, delivery: str, payload: Mapping[str, Any]) -> WebhookEvent:
    ticket = _ticket_id(ticket_id)
    return WebhookEvent(SOURCE, kind, delivery, TicketRef(SOURCE, ticket), payload=dict(payload))


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data[key]
    if not isinstance(value, Mapping):
        raise ValueError(f"`{key}` of a Usedesk webhook must be an object")
    return value


def _delivery(prefix: str, ident: Any, body: bytes) -> str:
    return f"{prefix}:{ident}" if ident not in (None, "") else hashlib.sha256(body).hexdigest()


def parse(body: bytes, secret: str) -> list[WebhookEvent]:
    """Verify and read one delivery; InvalidSignature for a wrong secret, ValueError for a malformed body."""
    data = decode_object(body, "a Usedesk webhook")
    verify(data, secret)
    if "comment" in data:
        comment = _object(data, "comment")
        delivery = _delivery("comment", comment.get("id"), body)
        return [_event("ticket.comment_created", comment.get("ticket_id"), delivery,
                       {"comment_id": comment.get("id"), "from": comment.get("from"), "type": comment.get("type")})]
    if "trigger" in data or "old_status" in data:
        change = _object(data, "trigger") if "trigger" in data else data
        targets = [str(item.get("target")) for item in change.get("data") or () if isinstance(item, Mapping)]
        return [_event("ticket.changed", change.get("ticket_id"), _delivery("change", change.get("id"), body),
                       {"old_status": change.get("old_status"), "new_status": change.get("new_status"),
                        "targets": targets})]
    if "ticket" in data:
        ticket = _object(data, "ticket")
        return [_event("ticket.created", ticket.get("id"), _delivery("create", ticket.get("id"), body),
                       {"status_id": ticket.get("status_id")})]
    if "csi" in data:
        return []
    raise ValueError("not a Usedesk ticket webhook: expected `ticket`, `comment` or `trigger`")
