"""A Usedesk ticket as the bridge reads it, from the answer of `POST /ticket`: `ticket`, `comments`, `tags`
and `custom_fields` (https://api.usedocs.com/article/51377: "The server returns a ticket, all comments, tags
and a history of changes"). Statuses by id (https://usedeskkb.atlassian.net/wiki/spaces/APIDOC/pages/
648348520/Tickets); times are read as UTC, as the API's filters are ("Our API works according to the zero
time zone (UTC+0)", https://api.usedocs.com/article/51376). No I/O here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.errors import FatalError
from bridge.model import Person, Ticket, TicketComment, TicketRef
from bridge.text.html import html_text
from connectors.usedesk.cursor import TIME_FORMAT

STATUSES = {1: "open", 2: "solved", 3: "closed", 4: "deleted", 5: "on_hold", 6: "pending", 7: "spam", 8: "new",
            9: "newsletter", 10: "merged"}
STATUS_IDS = {name: number for number, name in STATUSES.items()}
CLOSED = 3
DELETED = 4
NO_EMAIL = "0"  # the documented example answers "email":"0" for a ticket without an address


def status_id(status: str) -> int:
    """A status name (open, solved, closed, ...) or id."""
    if status.isdigit():
        return int(status)
    try:
        return STATUS_IDS[status.lower()]
    except KeyError:
        raise FatalError(f"unknown Usedesk status '{status}' (known: {', '.join(STATUS_IDS)} or an id)") from None


def when(value: Any) -> datetime | None:
    return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=UTC) if value else None


def tag_names(tags: Iterable[Any] | None) -> tuple[str, ...]:
    """Tags as names: `/ticket` lists strings, `/tickets` objects with `name`."""
    return tuple(str(t["name"] if isinstance(t, Mapping) else t) for t in tags or ())


def first_client_comment(comments: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The customer's first message (the oldest comment from the client, else the oldest of all)."""
    ordered = sorted(comments, key=lambda c: (str(c.get("published_at") or ""), int(c.get("id") or 0)))
    return next((c for c in ordered if c.get("from") == "client"), ordered[0] if ordered else None)


def requester(ticket: Mapping[str, Any], comment: Mapping[str, Any] | None) -> Person | None:
    """The client, with the language Usedesk keeps for them (`lang` of the comment's client) when it has one."""
    if not ticket.get("client_id"):
        return None
    client = (comment or {}).get("client") or {}
    email = str(ticket.get("email") or "")
    return Person(str(ticket["client_id"]), str(ticket.get("client_name") or client.get("name") or ""),
                  "" if email == NO_EMAIL else email, str(client.get("lang") or ""))


def ticket_from(answer: Mapping[str, Any], label: Callable[[str, Any], Any], agent_url: str, source: str) -> Ticket:
    """`answer` of POST /ticket as a Ticket; `label(field_id, value)` names list options."""
    raw = answer["ticket"]
    comment = first_client_comment(answer.get("comments") or ())
    status = int(raw.get("status_id") or 0)
    fields = {str(f["ticket_field_id"]): label(str(f["ticket_field_id"]), f.get("value"))
              for f in answer.get("custom_fields") or () if f.get("value") not in (None, "")}
    return Ticket(
        ref=TicketRef(source, str(raw["id"])),
        subject=str(raw.get("subject") or ""),
        body=html_text(str(comment.get("message") or "")) if comment else "",
        url=f"{agent_url}/tickets/{raw['id']}",
        requester=requester(raw, comment),
        channel=str(raw.get("channel_id") or ""),
        status=STATUSES.get(status, str(status)),
        ticket_type=str(raw.get("type") or ""),
        tags=tag_names(answer.get("tags")),
        fields=fields,
        created_at=when(raw.get("published_at")),
        updated_at=when(raw.get("last_updated_at")),
        deleted=status == DELETED,
        raw={**raw, "tags": list(answer.get("tags") or ()), "custom_fields": list(answer.get("custom_fields") or ())},
    )


def comment_from(raw: Mapping[str, Any]) -> TicketComment | None:
    """A comment of the /ticket answer: a client's (`from: client`) is by the ticket's client (`client_id`, the
    requester's id), an agent's by its `user_id`; a trigger's has neither. None without a time."""
    written = when(raw.get("published_at"))
    if written is None:
        return None
    author = raw.get("client_id") if raw.get("from") == "client" else raw.get("user_id")
    return TicketComment(str(raw["id"]), str(author or ""), html_text(str(raw.get("message") or "")),
                         raw.get("type") == "public", written)
