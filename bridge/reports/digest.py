"""The release digest: what one release shipped, told to support, sales and customer success. Per change: its
wish group and epic, who asked (tickets, organisations, segments, paid accounts), the key accounts among them
with their account managers, and a draft help-article outline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.mapping import Mappings
from bridge.model import Popularity
from bridge.reports.impact import group_topic, topic_label
from bridge.reports.outline import Outline, draft_outline
from bridge.reports.releases import Release, ReleaseRules, critical_groups
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.text.numbers import public_number
from bridge.workflow.popularity import organization_key, popularities


@dataclass(frozen=True)
class KeyAccount:
    """An organisation that asked and is a key account; `manager` None when the helpdesk records none."""

    name: str
    segment: str | None
    paid_accounts: int
    manager: str | None


@dataclass(frozen=True)
class DigestChange:
    group_id: int
    number: str
    title: str
    epic_key: str
    epic_url: str
    released_at: datetime
    topic: str
    importance: str | None
    critical: bool
    asked: Popularity
    key_accounts: tuple[KeyAccount, ...]
    outline: Outline


@dataclass(frozen=True)
class ReleaseDigest:
    """`organizations` and `key_accounts` count each organisation once across the whole release."""

    release: Release
    language: str
    changes: tuple[DigestChange, ...]
    organizations: int
    key_accounts: int


_PEOPLE = (wishes.c.group_id, tickets.c.id, tickets.c.source, tickets.c.organization_id, tickets.c.organization_name,
           tickets.c.segment, tickets.c.paid_accounts, tickets.c.account_manager, tickets.c.requester_id,
           tickets.c.requester_email, tickets.c.channel)


def _ticket_rows(conn: Connection, group_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The live tickets of each group, oldest first."""
    rows = conn.execute(select(*_PEOPLE).join(wish_tickets, wish_tickets.c.ticket_id == tickets.c.id)
                        .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
                        .where(wishes.c.group_id.in_(list(group_ids)), ~tickets.c.deleted).order_by(tickets.c.id))
    found: dict[int, list[Any]] = {group_id: [] for group_id in group_ids}
    for row in rows:
        found[row.group_id].append(row)
    return found


def key_accounts(rows: Sequence[Any], rules: ReleaseRules) -> tuple[KeyAccount, ...]:
    """The key accounts among these ticket rows (oldest first), most paid accounts first: one per organisation
    (popularity.organization_key), with its largest paid-account figure, its latest segment and the latest
    account manager its tickets name."""
    found: dict[str, KeyAccount] = {}
    for row in rows:
        key = organization_key(row)
        if not key:
            continue
        seen = found.get(key)
        found[key] = KeyAccount(
            (row.organization_name or "").strip() or (seen.name if seen else str(row.organization_id)),
            row.segment or (seen.segment if seen else None),
            max(row.paid_accounts or 0, seen.paid_accounts if seen else 0),
            row.account_manager or (seen.manager if seen else None),
        )
    chosen = [account for account in found.values() if rules.key_account(account.segment, account.paid_accounts)]
    return tuple(sorted(chosen, key=lambda account: (-account.paid_accounts, account.name.casefold())))


def _wish_texts(conn: Connection, group_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {group_id: [] for group_id in group_ids}
    for row in conn.execute(select(wishes.c.group_id, wishes.c.text).where(wishes.c.group_id.in_(list(group_ids)))
                            .order_by(wishes.c.id)):
        found[row.group_id].append(row.text or "")
    return found


def release_digest(conn: Connection, mappings: Mappings, release: Release, rules: ReleaseRules, *,
                   language: str = "en") -> ReleaseDigest:
    """The digest of `release` (releases.find_release) in `language`: its changes in release order."""
    ids = [epic.group_id for epic in release.epics]
    groups = {row.id: row for row in conn.execute(select(wish_groups).where(wish_groups.c.id.in_(ids)))}
    people, texts, critical = _ticket_rows(conn, ids), _wish_texts(conn, ids), critical_groups(conn, ids, rules)
    counted = popularities(conn, ids)
    changes = []
    for epic in release.epics:
        group, rows = groups[epic.group_id], people[epic.group_id]
        asked = counted[group.id]
        topic = topic_label(mappings, group_topic(conn, group.id, (group.category, group.subcategory)), language)
        outline = draft_outline(title=group.title, notes=group.notes or "", description=group.description or "",
                                wish_texts=texts[group.id], organizations=asked.organizations, tickets=asked.tickets,
                                segments=asked.by_segment, topic=topic, language=language)
        changes.append(DigestChange(group.id, public_number(group.id), group.title, epic.issue_key, epic.url,
                                    epic.released_at, topic, group.importance, group.id in critical, asked,
                                    key_accounts(rows, rules), outline))
    everyone = [row for rows in people.values() for row in rows]
    return ReleaseDigest(release, language, tuple(changes), len({organization_key(r) for r in everyone} - {""}),
                         len({account.name for change in changes for account in change.key_accounts}))
