"""Building blocks for workflow tests: wish tickets stored as a sync would store them, mappings with a
chosen grouping policy, and the outbox items the workflow queued."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from bridge.mapping import Mappings, load_mappings
from bridge.model import Marking, Organization, Person, Ticket, TicketRef
from bridge.store.schema import outbox, wish_tickets, wishes
from bridge.store.tickets import upsert_ticket
from bridge.sync.intake import intake_tickets
from tests.conftest import MAPPINGS


def mappings_with(tmp_path: Path, grouping: Mapping[str, float]) -> Mappings:
    """The shipped mappings plus a grouping.yaml holding `grouping`."""
    directory = tmp_path / "mappings"
    if not directory.exists():
        shutil.copytree(MAPPINGS, directory)
    (directory / "grouping.yaml").write_text("".join(f"{key}: {value}\n" for key, value in grouping.items()))
    return load_mappings(directory)


def store_ticket(conn: Connection, external_id: str, subject: str, body: str = "", *, organization: str = "acme",
                 segment: str | None = None, paid_accounts: int | None = None, category: str | None = None,
                 subcategory: str | None = None, tags: tuple[str, ...] = (), language: str = "ru",
                 is_wish: bool = True, source: str = "zendesk") -> int:
    """A helpdesk ticket stored as sync stores it; returns its id."""
    ticket = Ticket(ref=TicketRef(source, external_id), subject=subject, body=body,
                    url=f"https://help.example/{external_id}",
                    requester=Person(f"u-{external_id}", f"User {external_id}", f"{external_id}@example.com"),
                    organization=Organization(organization, organization.title()), tags=tags)
    marking = Marking(is_wish=is_wish, category=category, subcategory=subcategory, segment=segment,
                      paid_accounts=paid_accounts, language=language, tags=tags)
    return upsert_ticket(conn, ticket, marking).id


def queued(conn: Connection, prefix: str = "") -> list[dict[str, Any]]:
    """Outbox items whose key starts with `prefix`, oldest first."""
    rows = conn.execute(select(outbox).where(outbox.c.idempotency_key.startswith(prefix)).order_by(outbox.c.id))
    return [dict(row._mapping) for row in rows]


def group_of(conn: Connection, ticket_id: int) -> int:
    """The group of the wish the ticket belongs to."""
    return conn.execute(select(wishes.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
                        .where(wish_tickets.c.ticket_id == ticket_id)).scalar_one()


def intake_one(conn: Connection, mappings: Mappings, external_id: str, subject: str, **fields: Any) -> int:
    """Store one wish ticket and run intake on it; returns its group id."""
    ticket_id = store_ticket(conn, external_id, subject, **fields)
    assert intake_tickets(conn, [ticket_id], mappings) == 1
    return group_of(conn, ticket_id)
