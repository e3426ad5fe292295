from bridge.mapping import load_mappings
from bridge.workflow import lifecycle as wishes
from bridge.workflow.popularity import popularity
from tests.conftest import MAPPINGS
from tests.wish_helpers import intake_one


def test_an_organisation_asking_through_two_doors_counts_once(engine):
    mappings = load_mappings(MAPPINGS)
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "z1", "Выгрузка отчётов в Excel", organization="romashka",
                           segment="enterprise", paid_accounts=40)
        manual = wishes.add_wish(conn, mappings, door="manual", text="Выгрузка отчётов в Excel",
                                 organization="Romashka", actor="sales")
        if manual.group_id != group:
            wishes.merge(conn, manual.group_id, group, "pm")
        counted = popularity(conn, group)
    assert (counted.tickets, counted.organizations, counted.paid_accounts) == (2, 1, 40)
    assert counted.by_segment == {"enterprise": 1}
