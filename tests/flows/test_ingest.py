import pytest
from sqlalchemy import func, select

from bridge.errors import RetriableError
from bridge.mapping import load_mappings
from bridge.model import Marking, Ticket, TicketRef
from bridge.store import unmapped
from bridge.store.cursors import load_cursor, sync_status
from bridge.store.schema import tickets
from bridge.sync.pull import sync_once
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk


def desk(count: int, **options) -> MemoryHelpdesk:
    return MemoryHelpdesk(
        [Ticket(TicketRef("memdesk", str(n)), f"ticket {n}", tags=("wish",) if n % 2 else ()) for n in range(count)],
        **options,
    )


class WishTags:
    """A mapping double: tickets tagged `wish` are wishes; it maps no category."""

    def apply(self, ticket: Ticket) -> Marking:
        return Marking(is_wish="wish" in ticket.tags, tags=ticket.tags)

    def unmapped(self, ticket: Ticket) -> tuple[tuple[str, str], ...]:
        return ()


def stored_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(tickets.c.external_id)).scalars(), key=int)


def test_given_three_pages_when_synced_then_every_ticket_and_the_last_cursor_are_stored(engine):
    summary = sync_once(engine, desk(5), WishTags())
    assert stored_ids(engine) == ["0", "1", "2", "3", "4"]
    assert (summary.new, summary.pages) == (5, 3)
    with engine.connect() as conn:
        assert load_cursor(conn, "memdesk") == "5"


def test_a_crash_mid_page_re_reads_that_page_and_skips_nothing(engine):
    helpdesk = desk(6, crash_after=3)
    with pytest.raises(RetriableError):
        sync_once(engine, helpdesk, WishTags())
    assert stored_ids(engine) == ["0", "1"]
    with engine.connect() as conn:
        assert load_cursor(conn, "memdesk") == "2"
        assert "connection reset" in sync_status(conn)[0]["last_error"]
    helpdesk.crash_after = None
    summary = sync_once(engine, helpdesk, WishTags())
    assert stored_ids(engine) == ["0", "1", "2", "3", "4", "5"]
    assert summary.new == 4


def test_running_the_sync_again_changes_nothing(engine):
    helpdesk = desk(4)
    sync_once(engine, helpdesk, WishTags())
    with engine.begin() as conn:
        from bridge.store.cursors import save_cursor

        save_cursor(conn, "memdesk", "0")
    again = sync_once(engine, helpdesk, WishTags())
    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)


def test_wishes_are_registered_in_the_same_transaction_as_their_page(engine):
    seen: list[list[int]] = []

    def intake(conn, ids):
        seen.append(ids)
        if len(seen) == 2:
            raise RuntimeError("grouping failed")
        return len(ids)

    with pytest.raises(RuntimeError):
        sync_once(engine, desk(4), WishTags(), intake=intake)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tickets)).scalar() == 2
        assert load_cursor(conn, "memdesk") == "2"
    assert [len(ids) for ids in seen] == [1, 1]


def test_a_ticket_deleted_before_it_was_ever_stored_is_kept_flagged(engine):
    helpdesk = desk(3)
    helpdesk.tickets[1] = Ticket(TicketRef("memdesk", "1"), "gone", deleted=True)
    summary = sync_once(engine, helpdesk, WishTags())
    with engine.connect() as conn:
        flags = dict(conn.execute(select(tickets.c.external_id, tickets.c.deleted)).all())
    assert flags == {"0": False, "1": True, "2": False}
    assert (summary.new, summary.deleted) == (2, 1)


def test_the_grouping_index_is_built_once_per_process_and_groups_across_pages_and_runs(runtime, monkeypatch):
    import bridge.grouping.live as live_index
    from bridge.store.schema import wishes
    from bridge.worker.jobs import intake_for_run

    builds: list[int] = []
    real_load = live_index.load_index
    monkeypatch.setattr(live_index, "load_index", lambda *a, **k: builds.append(1) or real_load(*a, **k))
    helpdesk = MemoryHelpdesk([Ticket(TicketRef("memdesk", str(n)), "Выгрузка отчёта по остаткам в Excel",
                                      tags=("wish",)) for n in range(6)])
    summary = sync_once(runtime.engine, helpdesk, WishTags(), intake=intake_for_run(runtime))
    later = MemoryHelpdesk([Ticket(TicketRef("memdesk", "7"), "Выгрузка отчёта по остаткам в Excel", tags=("wish",))])
    sync_once(runtime.engine, later, WishTags(), intake=intake_for_run(runtime))
    with runtime.engine.connect() as conn:
        groups = set(conn.execute(select(wishes.c.group_id)).scalars())
    assert (summary.pages, summary.wishes, len(groups), len(builds)) == (3, 6, 1, 1)


def rt_ticket(number: int, category: str, subcategory: str = "", deleted: bool = False) -> Ticket:
    fields = {"Queue": "Wishes", "Category": category, **({"Subcategory": subcategory} if subcategory else {})}
    return Ticket(TicketRef("memdesk", str(number)), f"ticket {number}", fields=fields, deleted=deleted)


def test_unmapped_categories_and_subcategories_are_counted_per_value_and_shown_after_the_sync(engine):
    mapping = load_mappings(MAPPINGS).helpdesk("rt")
    helpdesk = MemoryHelpdesk([rt_ticket(1, "Склад"), rt_ticket(2, " Склад "), rt_ticket(3, "Billing", "Chargebacks"),
                               rt_ticket(4, "Billing", "Invoices"), rt_ticket(5, "")])

    summary = sync_once(engine, helpdesk, mapping)

    assert [value.line() for value in summary.unmapped] == [
        "memdesk: no mapping for category 'Склад' (2 tickets)",
        "memdesk: no mapping for subcategory 'Chargebacks' (1 tickets)"]


def test_a_ticket_whose_value_got_mapped_or_that_was_deleted_is_no_longer_counted(engine):
    mapping = load_mappings(MAPPINGS).helpdesk("rt")
    helpdesk = MemoryHelpdesk([rt_ticket(1, "Склад"), rt_ticket(2, "Склад")])
    sync_once(engine, helpdesk, mapping)
    helpdesk.tickets += [rt_ticket(1, "Billing"), rt_ticket(2, "Склад", deleted=True)]

    summary = sync_once(engine, helpdesk, mapping)

    assert summary.unmapped == []
    with engine.connect() as conn:
        assert unmapped.counts(conn) == []


def test_a_sync_counts_the_figures_of_the_groups_it_touched_once_at_its_end_even_after_a_crash(runtime):
    from bridge.store import group_stats
    from bridge.store.schema import wishes
    from bridge.worker.jobs import intake_for_run
    from bridge.workflow.popularity import popularities

    def stored_and_counted() -> tuple[dict, dict]:
        with runtime.engine.connect() as conn:
            ids = list(conn.execute(select(wishes.c.group_id).distinct()).scalars())
            return ({group: stats.popularity for group, stats in group_stats.load(conn, ids).items()},
                    popularities(conn, ids))

    helpdesk = MemoryHelpdesk([Ticket(TicketRef("memdesk", str(n)), "Выгрузка отчёта по остаткам в Excel",
                                      tags=("wish",)) for n in range(9)], crash_after=5)
    with pytest.raises(RetriableError):
        sync_once(runtime.engine, helpdesk, WishTags(), intake=intake_for_run(runtime))
    with runtime.engine.connect() as conn:
        left_stale = group_stats.stale(conn)
    stored, counted = stored_and_counted()
    assert left_stale and stored != counted and sum(p.tickets for p in counted.values()) == 4
    helpdesk.crash_after = None
    sync_once(runtime.engine, helpdesk, WishTags(), intake=intake_for_run(runtime))
    stored, counted = stored_and_counted()
    assert stored == counted and sum(p.tickets for p in counted.values()) == 9
    with runtime.engine.connect() as conn:
        assert group_stats.stale(conn) == []
