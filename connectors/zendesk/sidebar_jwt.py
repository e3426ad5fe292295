"""Verify the signed request Zendesk sends when it opens the app's ticket_sidebar (manifest `signedUrls: true`):
a JWT in the POST form field `token`. https://developer.zendesk.com/documentation/apps/build-an-app/
building-a-server-side-app/part-5-secure-the-app/

Claims checked (anything else is refused with InvalidSignature, whose message never holds the secret):
- signature: RS256 with the app's public key (ZENDESK_APP_PUBLIC_KEY, the PEM Zendesk serves at
  `GET /api/v2/apps/{app_id}/public_key.pem`), as Zendesk signs it; without a public key, HS256 with
  ZENDESK_APP_SECRET (at least MIN_SECRET bytes), for the sandbox and tests;
- `iss`: the account's host as Zendesk writes it, `acme.zendesk.com` (the host of ZENDESK_URL);
- `aud`: the app installation, `https://acme.zendesk.com/api/v2/apps/installations/<id>.json`;
- `exp` and `iat` present and current (LEEWAY for clock skew);
- `context`: `{"product": "support", "location": "ticket_sidebar", "ticket_id": <id>}`: the ticket shown;
- `user`: `{"name", "email", "locale"}`: the agent, who becomes the actor of every action.
No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jwt

from bridge.config import Settings
from bridge.errors import InvalidSignature
from bridge.model import SidebarVisit, TicketRef

MIN_SECRET = 32
LEEWAY = 30


def _account_host(settings: Settings) -> str:
    host = urlsplit(str(settings.values.get("ZENDESK_URL") or "")).hostname
    if not host:
        raise InvalidSignature("ZENDESK_URL is not set: no Zendesk account to trust")
    return host


def _key(settings: Settings) -> tuple[str, str]:
    """(key, algorithm): Zendesk's RS256 public key when configured, else the shared HS256 secret."""
    public_key = str(settings.values.get("ZENDESK_APP_PUBLIC_KEY") or "")
    if public_key:
        return public_key.replace("\\n", "\n"), "RS256"
    secret = str(settings.values.get("ZENDESK_APP_SECRET") or "")
    if len(secret.encode()) < MIN_SECRET:
        raise InvalidSignature(f"ZENDESK_APP_SECRET is unset or shorter than {MIN_SECRET} bytes")
    return secret, "HS256"


def _agent(user: Mapping[str, Any]) -> str:
    name, email = str(user.get("name") or "").strip(), str(user.get("email") or "").strip()
    if name and email:
        return f"{name} <{email}>"
    if not (name or email):
        raise InvalidSignature("zendesk token names no agent (user.name, user.email)")
    return name or email


def verify_zendesk(settings: Settings, token: str) -> SidebarVisit:
    """The agent and ticket a genuine Zendesk sidebar request names; InvalidSignature otherwise."""
    host = _account_host(settings)
    key, algorithm = _key(settings)
    try:
        claims = jwt.decode(token, key, algorithms=[algorithm], issuer=host, leeway=LEEWAY,
                            options={"require": ["exp", "iat", "iss", "aud"], "verify_aud": False})
    except jwt.PyJWTError as error:
        raise InvalidSignature(f"zendesk token refused ({error.__class__.__name__})") from None
    installation = rf"https://{re.escape(host)}/api/v2/apps/installations/\d+\.json"
    if not isinstance(claims["aud"], str) or not re.fullmatch(installation, claims["aud"]):
        raise InvalidSignature("zendesk token refused (audience is not an app installation of this account)")
    context = claims.get("context")
    if not isinstance(context, dict) or context.get("location") != "ticket_sidebar" \
            or context.get("product", "support") != "support":
        raise InvalidSignature("zendesk token refused (not the support ticket_sidebar)")
    ticket_id = str(context.get("ticket_id") or "")
    if not ticket_id.isdigit():
        raise InvalidSignature("zendesk token refused (no ticket_id in its context)")
    user = claims.get("user")
    user = user if isinstance(user, dict) else {}
    return SidebarVisit(TicketRef("zendesk", ticket_id), _agent(user), str(user.get("locale") or ""))
