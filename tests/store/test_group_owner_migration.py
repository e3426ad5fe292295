"""Migration 0013_group_owner on a store that holds groups: every group's last activity is its newest audit row
(its update time when it has none), and its oldest wish is counted among its figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bridge.store import group_stats
from bridge.store.engine import upgrade
from bridge.store.schema import audit, wish_groups, wishes

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def test_an_upgraded_store_knows_each_groups_last_activity_and_oldest_wish(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0008")
    with empty_engine.begin() as conn:
        conn.execute(wish_groups.insert(), [{"id": n, "title": f"group {n}", "state": "new", "epoch": 0,
                                            "created_at": NOW, "updated_at": NOW - timedelta(days=n)} for n in (1, 2)])
        conn.execute(wishes.insert(), [{"id": n, "group_id": 1, "door": "manual", "title": "wish", "created_by": "pm",
                                        "created_at": NOW - timedelta(days=10 * n)} for n in (1, 2)])
        conn.execute(audit.insert(), [{"entity": "group", "entity_id": "1", "action": action, "actor": "pm",
                                       "details": {}, "at": NOW - timedelta(hours=hours)}
                                      for action, hours in (("wish_added", 5), ("comment", 2), ("confirm", 3))])
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        active = dict(conn.execute(select(wish_groups.c.id, wish_groups.c.active_at)).all())
        figures = group_stats.load(conn, [1, 2])
    assert {group: utc(moment) for group, moment in active.items()} == {1: NOW - timedelta(hours=2),
                                                                        2: NOW - timedelta(days=2)}
    assert utc(figures[1].first_wish_at) == NOW - timedelta(days=20) and figures[1].wishes == 2
    assert figures[2].first_wish_at is None
