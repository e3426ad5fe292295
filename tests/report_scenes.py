"""Stores the report and release-digest tests share: tickets on their own dates, wish groups whose epics the
tracker released under fix versions, organisations with segments, paid accounts and account managers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from bridge.reports.periods import last_periods
from bridge.store.audit import record
from bridge.store.schema import tickets, tracker_links, wish_groups, wish_tickets, wishes

_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def add_ticket(conn: Connection, created: datetime | None, category: str | None = None,
               subcategory: str | None = None, *, seen: datetime | None = None, **fields: Any) -> int:
    """A Zendesk ticket created at `created` (None: the vendor gave no date) that the bridge first saw at `seen`
    (default: when it was created)."""
    number = next(_numbers)
    first_seen = seen or created
    assert first_seen is not None
    key = conn.execute(tickets.insert().values({
        "source": "zendesk", "external_id": f"z{number}", "category": category, "subcategory": subcategory,
        "created_at": created, "first_seen_at": first_seen, "last_seen_at": first_seen, "content_hash": f"h{number}",
        **fields})).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_group(conn: Connection, title: str, *, category: str | None = None, subcategory: str | None = None,
              importance: str | None = None, notes: str = "", state: str = "done") -> int:
    key = conn.execute(wish_groups.insert().values(
        title=title, state=state, category=category, subcategory=subcategory, importance=importance, notes=notes,
        description="", epoch=0, created_at=at(2026, 1, 1), updated_at=at(2026, 1, 1))).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_wish(conn: Connection, group_id: int, text: str, ticket_id: int, linked: datetime) -> None:
    key = conn.execute(wishes.insert().values(group_id=group_id, door="helpdesk", title=text[:60], text=text,
                                              created_by="test", created_at=linked)).inserted_primary_key
    assert key is not None
    conn.execute(wish_tickets.insert().values(wish_id=key[0], ticket_id=ticket_id, linked_by="test", linked_at=linked))


def release(conn: Connection, group_id: int, when: datetime, fix_version: str | None = None,
            stage: str = "released") -> None:
    """The tracker reports the group's epic `stage` (with the audited transition to done a release makes)."""
    key = f"PROD-{group_id}"
    conn.execute(tracker_links.insert().values(
        group_id=group_id, tracker="jira", issue_key=key, url=f"https://jira.example/browse/{key}", stage=stage,
        fix_version=fix_version, created_at=when, updated_at=when + timedelta(days=30)))
    if stage == "released":
        record(conn, "group", group_id, "done", "jira", now=when)


@dataclass(frozen=True)
class Releases:
    export: int      # critical, three organisations of which two key accounts, 5.2
    theme: int       # important, one small organisation, 5.2
    later: int       # 5.3
    unversioned: int  # released without a fix version
    building: int    # in development
    tickets: dict[str, int]


def release_scene(engine: Engine) -> Releases:
    """Fix version 5.2 (released Mar 10 and 11, 2026) holds two changes; 5.3 and an unversioned epic are other
    releases; one epic is still in development."""
    with engine.begin() as conn:
        export = add_group(conn, "Export to Excel", category="reports", subcategory="export", importance="critical",
                           notes="Any report exports to XLSX.\n- one sheet per warehouse")
        asked = at(2026, 2, 1)
        found = {
            "romashka_old": add_ticket(conn, asked, "reports", "export", organization_id="501",
                                       organization_name="ООО Ромашка", segment="enterprise", paid_accounts=110,
                                       language="ru"),
            "romashka": add_ticket(conn, asked, "reports", "export", organization_id="501",
                                   organization_name="ООО Ромашка", segment="enterprise", paid_accounts=120,
                                   account_manager="Ирина Соколова", language="ru"),
            "northwind": add_ticket(conn, asked, "reports", "export", organization_id="502",
                                    organization_name="Northwind", segment="smb", paid_accounts=3, language="en"),
            "retail": add_ticket(conn, asked, "reports", "export", organization_id="503",
                                 organization_name="Big Retail", segment="business", paid_accounts=300,
                                 language="en"),
            "late": add_ticket(conn, at(2026, 3, 12), "reports", "export", organization_id="504",
                               organization_name="Latecomer", segment="smb", paid_accounts=1, language="en"),
        }
        texts = {"romashka_old": "Нужна выгрузка отчёта в Excel", "romashka": "Выгрузка по складам",
                 "northwind": "Export the stock report to XLSX", "retail": "Export the stock report to XLSX"}
        for name, text in texts.items():
            add_wish(conn, export, text, found[name], asked)
        add_wish(conn, export, "Export, please", found["late"], at(2026, 3, 12))   # asked after the release
        release(conn, export, at(2026, 3, 10, 12), "5.2")

        theme = add_group(conn, "Dark theme", category="mobile", subcategory="scanning", importance="important")
        found["lavka"] = add_ticket(conn, asked, "mobile", "scanning", organization_id="505",
                                    organization_name="ИП Лавка", segment="smb", paid_accounts=5, language="ru",
                                    tags=["vip"])
        add_wish(conn, theme, "Тёмная тема для сканера", found["lavka"], asked)
        release(conn, theme, at(2026, 3, 11, 9), "5.2")

        later = add_group(conn, "Roaming", category="edo", subcategory="roaming", importance="critical")
        release(conn, later, at(2026, 3, 20), "5.3")
        unversioned = add_group(conn, "Scheduled reports", category="reports", subcategory="scheduled")
        release(conn, unversioned, at(2026, 3, 4))
        building = add_group(conn, "Offline mode", category="mobile", subcategory="offline", state="approved")
        release(conn, building, at(2026, 3, 9), "5.2", stage="in_development")
    return Releases(export, theme, later, unversioned, building, found)


def six_month_import(engine: Engine, today: date) -> int:
    """An import, done today, of wishes about exports created over the five months before this one (1, 2, 3, 4
    and 5 a month), plus two the export gave no date for; returns how many tickets it stored."""
    months = last_periods("month", 6, today)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    with engine.begin() as conn:
        group = add_group(conn, "Export to Excel", category="reports", subcategory="export", state="grouped")
        created: list[datetime | None] = [
            datetime.combine(month.start + timedelta(days=9), datetime.min.time(), tzinfo=UTC)
            for index, month in enumerate(months[:-1], 1) for _ in range(index)]
        for moment in [*created, None, None]:
            ticket = add_ticket(conn, moment, "reports", "export", seen=now, source="import")
            add_wish(conn, group, "Выгрузка отчёта в Excel", ticket, now)
    return len(created) + 2
