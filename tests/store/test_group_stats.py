"""The stored figures lists sort by (bridge.store.group_stats) always equal a count from the tickets themselves,
whatever moved wishes or changed their tickets; an upgraded store gets them counted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from bridge.model import Organization, Ticket, TicketRef
from bridge.store import group_stats
from bridge.store.engine import upgrade
from bridge.store.schema import tickets, wish_groups, wish_tickets, wishes
from bridge.sync.pull import SyncSummary, store_tickets
from bridge.workflow import lifecycle
from bridge.workflow.merging import wish_ids_of
from bridge.workflow.popularity import popularities
from tests.wish_helpers import intake_one, mappings_with, store_ticket

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def stored_equals_counted(conn: Connection, *group_ids: int) -> None:
    stored = group_stats.load(conn, group_ids)
    counted = popularities(conn, group_ids)
    assert {g: s.popularity for g, s in stored.items()} == counted


def test_intake_attach_merge_unmerge_and_split_keep_the_stored_figures_true(engine: Engine, tmp_path) -> None:
    mappings = mappings_with(tmp_path, {"auto_join": 0.99, "suggest_min": 0.0})
    with engine.begin() as conn:
        source = intake_one(conn, mappings, "1", "Тёмная тема", organization="romashka", segment="enterprise",
                            paid_accounts=40)
        target = intake_one(conn, mappings, "2", "Выгрузка в 1С", organization="lutik", segment="smb")
        lifecycle.attach_ticket(conn, mappings, store_ticket(conn, "3", "Выгрузка", organization="romashka",
                                                             segment="enterprise", paid_accounts=55), target, "pm")
        stored_equals_counted(conn, source, target)
        lifecycle.merge(conn, source, target, "pm")
        stored_equals_counted(conn, source, target)
        merged = group_stats.load(conn, [source, target])
        lifecycle.unmerge(conn, source, "pm")
        stored_equals_counted(conn, source, target)
        moved = max(wish_ids_of(conn, target))
        split_off = lifecycle.split(conn, target, [moved], "pm")
        stored_equals_counted(conn, target, split_off)
        after_split = group_stats.load(conn, [target, split_off])
    assert (merged[target].wishes, merged[target].popularity.organizations, merged[source].wishes) == (3, 2, 0)
    assert merged[target].popularity.by_segment == {"enterprise": 1, "smb": 1}
    assert merged[target].popularity.segment_paid_accounts == {"enterprise": 55, "smb": 0}
    assert (after_split[target].wishes, after_split[split_off].wishes) == (1, 1)


def test_a_synced_ticket_that_changes_organisation_or_is_deleted_is_counted_again(engine: Engine, tmp_path) -> None:
    mappings = mappings_with(tmp_path, {"auto_join": 0.99, "suggest_min": 0.0})

    def synced(external_id: str, organization: str, deleted: bool = False) -> None:
        ticket = Ticket(ref=TicketRef("zendesk", external_id), subject="Тёмная тема", body="",
                        organization=Organization(organization, organization.title()), deleted=deleted)
        store_tickets(conn, [ticket], None, SyncSummary("zendesk"))

    with engine.begin() as conn:
        group = intake_one(conn, mappings, "1", "Тёмная тема", organization="romashka")
        lifecycle.attach_ticket(conn, mappings, store_ticket(conn, "2", "Тёмная тема", organization="lutik"),
                                group, "pm")
        synced("2", "romashka")
        one_organisation = group_stats.load(conn, [group])[group].popularity
        synced("2", "romashka", deleted=True)
        one_ticket = group_stats.load(conn, [group])[group].popularity
        stored_equals_counted(conn, group)
    assert (one_organisation.tickets, one_organisation.organizations) == (2, 1)
    assert (one_ticket.tickets, one_ticket.organizations) == (1, 1)


def test_upgrading_a_store_counts_the_figures_of_every_group_it_holds(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0007")
    with empty_engine.begin() as conn:
        conn.execute(wish_groups.insert(), [{"id": n, "title": f"group {n}", "state": "new", "epoch": 0,
                                            "created_at": NOW, "updated_at": NOW} for n in (1, 2, 3)])
        for n, (group, organization) in enumerate(((2, "romashka"), (2, "romashka"), (3, "lutik")), start=1):
            conn.execute(wishes.insert().values(id=n, group_id=group, door="helpdesk", title="wish",
                                                created_by="sync", created_at=NOW))
            conn.execute(tickets.insert().values(
                id=n, source="zendesk", external_id=str(n), organization_id=organization, segment="smb",
                paid_accounts=n, tags=[], first_seen_at=NOW, last_seen_at=NOW, content_hash="x", raw={}))
            conn.execute(wish_tickets.insert().values(wish_id=n, ticket_id=n, linked_by="sync", linked_at=NOW))
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        stored = group_stats.load(conn, [1, 2, 3])
        stored_equals_counted(conn, 1, 2, 3)
    assert [(s.wishes, s.popularity.tickets, s.popularity.organizations) for s in stored.values()] == [
        (0, 0, 0), (2, 2, 1), (1, 1, 1)]
