"""Who looks at which ticket's sidebar, once a signed request proved it, and the short-lived tokens Wishbridge
signs itself: the link a connector puts in a ticket, and the session the sidebar page carries in its forms.

Wishbridge tokens are HS256 JWTs keyed by HMAC-SHA256(WISHBRIDGE_SECRET_KEY, purpose), so a link never works as
a session and a session never works as a link. Each names one (source, external_id) and nothing else. No I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from bridge.errors import InvalidSignature
from bridge.model import TicketRef
from bridge.text.catalogue import language_of

ACTOR_LENGTH = 120


def locale_of(tag: str | None) -> str:
    """'ru', 'ru-RU', 'RU_ru' → 'ru'; another tag → 'en'; no tag → '' (the page follows the browser)."""
    return language_of(tag) if tag else ""


@dataclass(frozen=True)
class Viewer:
    """A verified look at one ticket: `agent` is who acts (empty when a link named nobody: the page then asks),
    `locale` the page's language (empty: the browser's), `via` says what proved it ('zendesk' or 'link')."""

    ref: TicketRef
    agent: str
    locale: str
    via: str

    def actor(self, typed_name: str = "") -> str:
        """The audit trail's actor: the verified agent, else the name typed on the page marked with its door."""
        if self.agent:
            return self.agent[:ACTOR_LENGTH]
        name = " ".join(typed_name.split())
        return f"{name} (via {self.ref.source} link)"[:ACTOR_LENGTH] if name else ""


def _key(secret: str, purpose: str) -> str:
    if not secret:
        raise InvalidSignature("WISHBRIDGE_SECRET_KEY is not set: sidebar tokens cannot be signed or checked")
    return hmac.new(secret.encode(), f"wishbridge.sidebar.{purpose}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, purpose: str, viewer: Viewer, lifetime: timedelta, now: datetime | None = None) -> str:
    """A token for `viewer` that `read` accepts for `purpose` until `lifetime` after `now`."""
    issued = now or datetime.now(UTC)
    claims = {"aud": purpose, "iat": issued, "exp": issued + lifetime, "src": viewer.ref.source,
              "ext": viewer.ref.external_id, "agent": viewer.agent, "loc": viewer.locale, "via": viewer.via}
    return jwt.encode(claims, _key(secret, purpose), algorithm="HS256")


def read(secret: str, purpose: str, token: str) -> Viewer:
    """The viewer a token of `purpose` names; InvalidSignature when forged, expired or made for another purpose."""
    try:
        claims = jwt.decode(token, _key(secret, purpose), algorithms=["HS256"], audience=purpose,
                            options={"require": ["exp", "iat", "aud", "src", "ext"]})
    except jwt.PyJWTError as error:
        raise InvalidSignature(f"sidebar {purpose} token refused ({error.__class__.__name__})") from None
    return Viewer(TicketRef(str(claims["src"]), str(claims["ext"])), str(claims.get("agent") or ""),
                  locale_of(claims.get("loc")), str(claims.get("via") or purpose))
