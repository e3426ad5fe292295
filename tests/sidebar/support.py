"""Building blocks for sidebar tests: settings of a Zendesk account with the app installed, the JWT Zendesk would
post, and a store holding one wish ticket (with its epic and a message already sent) and one plain ticket."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import Engine, update

from bridge.config import Settings
from bridge.mapping import Mappings
from bridge.store.schema import outbox
from bridge.sync.intake import intake_tickets
from tests.jira_helpers import link_epic
from tests.wish_helpers import group_of, intake_one, store_ticket

ACCOUNT = "https://acme.zendesk.com"
APP_SECRET = "zendesk-app-shared-secret-0123456789abcdef"
AUDIENCE = f"{ACCOUNT}/api/v2/apps/installations/360001.json"
AGENT = {"name": "Anna Agent", "email": "anna@acme.example", "locale": "en-US"}
ACTOR = "Anna Agent <anna@acme.example>"


def zendesk_settings(settings: Settings) -> Settings:
    return settings.replace(ZENDESK_URL=ACCOUNT, ZENDESK_APP_SECRET=APP_SECRET)


def zendesk_token(ticket_id: str, *, secret: Any = APP_SECRET, algorithm: str = "HS256", age: int = 0,
                  lifetime: int = 300, **overrides: Any) -> str:
    """The JWT Zendesk posts when it opens the sidebar of `ticket_id`, issued `age` seconds ago."""
    issued = int(time.time()) - age
    claims = {"iss": "acme.zendesk.com", "aud": AUDIENCE, "iat": issued, "exp": issued + lifetime,
              "context": {"product": "support", "location": "ticket_sidebar", "ticket_id": int(ticket_id)},
              "user": AGENT, **overrides}
    return jwt.encode(claims, secret, algorithm=algorithm)


@dataclass(frozen=True)
class Seeded:
    group: int
    wish_ticket: int
    plain_ticket: int


WISH_SUBJECT = "Export of the sales report to Excel"
PLAIN_SUBJECT = "Please add an Excel export to the sales report page"


def seed(engine: Engine, mappings: Mappings) -> Seeded:
    """zendesk#101 is a wish whose group has epic WB-7 and whose `registered` message was sent; zendesk#202 is
    no wish yet and resembles that group; zendesk#303 is a wish about something else."""
    with engine.begin() as conn:
        wish_ticket = store_ticket(conn, "101", WISH_SUBJECT, "Customers need the monthly sales report in xlsx",
                                   organization="acme", language="en")
        intake_tickets(conn, [wish_ticket], mappings)
        group = group_of(conn, wish_ticket)
        link_epic(conn, group, "WB-7", status="In Progress")
        conn.execute(update(outbox).where(outbox.c.idempotency_key.endswith(f":t{wish_ticket}"))
                     .values(state="done", done_at=outbox.c.created_at))
        plain = store_ticket(conn, "202", PLAIN_SUBJECT, "Excel export of the sales report would help us a lot",
                             organization="globex", is_wish=False, language="en")
        intake_one(conn, mappings, "303", "Dark theme for the mobile scanner", organization="initech",
                   language="en")
    return Seeded(group, wish_ticket, plain)
