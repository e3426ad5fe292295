"""The process's live grouping index stays equal to one rebuilt from the store, whatever wrote to the store."""

import pytest
from sqlalchemy import Engine

from bridge.grouping.live import using_index
from bridge.grouping.store_index import encoder_of, load_index, policy_of, wish_doc
from bridge.mapping import Mappings
from bridge.store import open_engine
from bridge.store.schema import wishes as wish_rows
from bridge.workflow import lifecycle as wishes
from bridge.workflow.changes import log
from bridge.workflow.merging import wish_ids_of
from tests.wish_helpers import intake_one, mappings_with

TEXTS = ["Выгрузка отчётов в Excel по расписанию", "Export the sales report to Excel every day",
         "Тёмная тема в мобильном приложении", "Dark mode in the mobile app", "Single sign-on with Google"]


@pytest.fixture
def mappings(tmp_path) -> Mappings:
    return mappings_with(tmp_path, {"auto_join": 0.99, "suggest_min": 0.0})


def assert_live_equals_rebuilt(engine: Engine, mappings: Mappings) -> None:
    with engine.connect() as conn:
        with using_index(conn, mappings) as live:
            members = live.members()
            ranked = [s.group_id for s in live.suggest(wish_doc(0, "Excel report export", None, None, ()), 3)]
        rebuilt = load_index(conn, policy_of(mappings), encoder_of(mappings))
    assert members == rebuilt.members()
    assert ranked == [s.group_id for s in rebuilt.suggest(wish_doc(0, "Excel report export", None, None, ()), 3)]


def test_the_live_index_equals_a_rebuilt_one_after_add_merge_split_unmerge_and_close(engine, mappings):
    with engine.begin() as conn:
        groups = [intake_one(conn, mappings, str(n), text, language="ru") for n, text in enumerate(TEXTS)]
    assert_live_equals_rebuilt(engine, mappings)
    with engine.begin() as conn:
        wishes.merge(conn, groups[1], groups[0], "pm")
        wishes.merge(conn, groups[3], groups[2], "pm")
    assert_live_equals_rebuilt(engine, mappings)
    with engine.begin() as conn:
        moved = wishes.split(conn, groups[0], [max(wish_ids_of(conn, groups[0]))], "pm")
    assert_live_equals_rebuilt(engine, mappings)
    with engine.begin() as conn:
        wishes.unmerge(conn, groups[3], "pm")
        wishes.route(conn, mappings, moved, "analyst", "pm")
        wishes.decide(conn, mappings, moved, "approve", "pm")
        wishes.mark_done(conn, moved, "pm")   # a done group takes no wishes: its wish leaves the index
    assert_live_equals_rebuilt(engine, mappings)


def test_a_rolled_back_intake_leaves_the_live_index_as_the_store_is(engine, mappings):
    with engine.begin() as conn:
        intake_one(conn, mappings, "kept", TEXTS[0])
    with pytest.raises(RuntimeError), engine.begin() as conn:
        intake_one(conn, mappings, "lost", TEXTS[1])
        raise RuntimeError("the page failed")
    assert_live_equals_rebuilt(engine, mappings)
    with engine.begin() as conn:
        intake_one(conn, mappings, "next", TEXTS[2])
    assert_live_equals_rebuilt(engine, mappings)


def test_writes_of_another_process_reach_the_live_index(engine, mappings, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("a second engine on the same PostgreSQL schema needs the fixture's search path")
    with engine.begin() as conn:
        intake_one(conn, mappings, "here", TEXTS[0])
    assert_live_equals_rebuilt(engine, mappings)
    other = open_engine(str(engine.url))
    with other.begin() as conn:
        intake_one(conn, mappings, "there", TEXTS[1])
        wishes.add_wish(conn, mappings, door="manual", text=TEXTS[3], actor="sales")
    other.dispose()
    assert_live_equals_rebuilt(engine, mappings)


def test_a_re_texted_wish_is_re_indexed_under_its_new_text(engine, mappings):
    with engine.begin() as conn:
        group = intake_one(conn, mappings, "rt", TEXTS[0])
    assert_live_equals_rebuilt(engine, mappings)
    with engine.begin() as conn:
        conn.execute(wish_rows.update().where(wish_rows.c.group_id == group).values(text=TEXTS[4]))
        log(conn, group, "wish_retexted", "pm")
    assert_live_equals_rebuilt(engine, mappings)
    with engine.connect() as conn, using_index(conn, mappings) as live:
        assert {doc.text for _, doc in live.members().values()} == {TEXTS[4]}
