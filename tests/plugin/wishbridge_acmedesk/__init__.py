"""Acme Desk: a third-party helpdesk connector, as a plug-in author would write one, living outside Wishbridge and
registered only by its entry point. Its "vendor" is a JSON file (ACMEDESK_URL=file:///path/desk.json): tickets
with their requester, comments (id, author, body, public, at: seconds since the epoch) and tags, and the markers
of the writes that landed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bridge import (
    ApplyResult,
    Change,
    InvalidSignature,
    Key,
    Person,
    Settings,
    Ticket,
    TicketComment,
    TicketRef,
    TicketWrite,
    WebhookEvent,
)

SIGNATURE_HEADER = "x-acme-signature"
AGENT = "acme-bridge"  # the Acme Desk user the bridge writes as


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AcmeDesk:
    name: ClassVar[str] = "acmedesk"
    role: ClassVar[str] = "helpdesk"
    batch_size: ClassVar[int] = 2
    frames_sidebar: ClassVar[bool] = False
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "file:///path/desk.json of the Acme Desk account (empty: Acme Desk not used)"),
        Key("WEBHOOK_SECRET", "", "secret Acme Desk signs its webhooks with", secret=True),
    )

    def __init__(self, path: Path, secret: str) -> None:
        self.path, self.secret = path, secret

    @classmethod
    def from_settings(cls, settings: Settings) -> AcmeDesk:
        section = settings.section("ACMEDESK")
        return cls(Path(urlsplit(section["url"]).path), section["webhook_secret"])

    def _load(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _ticket(self, raw: Mapping[str, Any]) -> Ticket:
        return Ticket(TicketRef(self.name, str(raw["id"])), raw["subject"], raw.get("body", ""),
                      url=f"https://acme.example/tickets/{raw['id']}", tags=tuple(raw.get("tags", ())),
                      requester=Person(raw["requester"]) if raw.get("requester") else None,
                      updated_at=datetime.fromtimestamp(raw["updated"], UTC))

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        tickets = sorted(self._load()["tickets"], key=lambda raw: (raw["updated"], raw["id"]))
        for raw in tickets:
            if since is None or (raw["updated"], raw["id"]) > tuple(json.loads(since)):
                yield Change(self._ticket(raw), json.dumps([raw["updated"], raw["id"]]))

    def get_ticket(self, ref: TicketRef) -> Ticket:
        return self._ticket(next(raw for raw in self._load()["tickets"] if str(raw["id"]) == ref.external_id))

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        raw = next(raw for raw in self._load()["tickets"] if str(raw["id"]) == ref.external_id)
        found = [TicketComment(str(c["id"]), c["author"], c["body"], c["public"], datetime.fromtimestamp(c["at"], UTC))
                 for c in raw.get("comments", ())]
        return [comment for comment in found if comment.created_at > since]

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Exactly-once by the marker kept with each write; every write is checked, checked or not."""
        data = self._load()
        by_id = {str(raw["id"]): raw for raw in data["tickets"]}
        for write in writes:
            raw = by_id[write.ref.external_id]
            if write.marker in raw.setdefault("markers", []):
                continue
            if write.patch.comment:
                written = raw.setdefault("comments", [])
                written.append({"id": len(written) + 1, "author": AGENT, "body": write.patch.comment,
                                "public": write.patch.public, "at": time.time()})
            raw["tags"] = sorted((set(raw.get("tags", ())) | set(write.patch.tags_add)) - set(write.patch.tags_remove))
            raw["markers"].append(write.marker)
        self.path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return {write.key: None for write in writes}

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        sent = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        if not self.secret or not hmac.compare_digest(sent, signature(self.secret, body)):
            raise InvalidSignature(f"{SIGNATURE_HEADER} does not match the body")
        data = json.loads(body)
        return [WebhookEvent(self.name, "ticket_updated", hashlib.sha256(body).hexdigest(),
                             ref=TicketRef(self.name, str(data["ticket_id"])))]
