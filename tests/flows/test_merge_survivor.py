"""Merging two groups keeps the established one: more tickets wins, of two with as many the older one, unless the
product manager picks the survivor or the lifecycle allows only the other way; the survivor keeps its topic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bridge.errors import WorkflowError
from bridge.store.schema import wish_groups
from bridge.workflow import lifecycle, merging
from tests.flows.language_helpers import NOW, a_group

ONE = [("ru", "Экспорт в эксель")]
THREE = ONE * 3


def topic_and_state(conn, group: int) -> tuple[str | None, str | None, str]:
    row = conn.execute(select(wish_groups).where(wish_groups.c.id == group)).one()
    return row.category, row.subcategory, row.state


def test_the_older_larger_group_survives_and_keeps_its_topic(engine):
    with engine.begin() as conn:
        established = a_group(conn, THREE, category="reports", subcategory="export")
        newcomer = a_group(conn, ONE, category="integrations", subcategory="one_c", created_at=NOW + timedelta(days=30))
        # "Merge into this group" on the newcomer's page, pointing at the established group, or the other way round:
        assert merging.merge_sides(conn, newcomer, established)[0].id == established
        assert lifecycle.merge_pair(conn, newcomer, established, "pm") == established
        assert topic_and_state(conn, established) == ("reports", "export", "grouped")
        assert topic_and_state(conn, newcomer)[2] == "merged"
        assert len(merging.wish_ids_of(conn, established)) == 4


def test_more_tickets_win_over_age(engine):
    with engine.begin() as conn:
        older = a_group(conn, ONE)
        larger = a_group(conn, THREE, created_at=NOW + timedelta(days=1))
        survivor, absorbed = merging.merge_sides(conn, older, larger)
    assert (survivor.id, survivor.tickets, absorbed.id, absorbed.tickets) == (larger, 3, older, 1)


def test_of_two_groups_with_as_many_tickets_the_older_survives(engine):
    with engine.begin() as conn:
        newer = a_group(conn, ONE, created_at=NOW + timedelta(hours=1))
        older = a_group(conn, ONE)
        assert merging.merge_sides(conn, newer, older)[0].id == older
        same_moment = a_group(conn, ONE)
        assert merging.merge_sides(conn, same_moment, older)[0].id == older   # then the lower id


def test_the_product_manager_may_keep_the_other_group(engine):
    with engine.begin() as conn:
        established = a_group(conn, THREE, category="reports", subcategory="export")
        newcomer = a_group(conn, ONE, created_at=NOW + timedelta(days=30))
        assert lifecycle.merge_pair(conn, newcomer, established, "pm", survivor=newcomer) == newcomer
        assert topic_and_state(conn, newcomer) == ("reports", "export", "grouped")   # it had none: takes the topic
        assert topic_and_state(conn, established)[2] == "merged"
        with pytest.raises(WorkflowError, match="is not one of the groups merged"):
            lifecycle.merge_pair(conn, newcomer, established, "pm", survivor=12345)


def test_a_survivor_without_a_topic_takes_the_absorbed_ones_and_unmerge_gives_it_back(engine):
    with engine.begin() as conn:
        survivor = a_group(conn, THREE)
        absorbed = a_group(conn, ONE, category="reports", subcategory="export", created_at=NOW + timedelta(days=1))
        lifecycle.merge_pair(conn, survivor, absorbed, "pm")
        assert topic_and_state(conn, survivor) == ("reports", "export", "grouped")
        lifecycle.unmerge(conn, absorbed, "pm")
        assert topic_and_state(conn, survivor) == (None, None, "grouped")
        assert topic_and_state(conn, absorbed) == ("reports", "export", "grouped")


def test_a_group_past_analysis_is_never_merged_away(engine):
    with engine.begin() as conn:
        approved = a_group(conn, ONE, state="approved")
        larger = a_group(conn, THREE, created_at=NOW + timedelta(days=1))
        assert merging.merge_sides(conn, larger, approved)[0].id == approved
        done = a_group(conn, ONE, state="done")
        with pytest.raises(WorkflowError, match="cannot be merged"):
            merging.merge_sides(conn, approved, done)
