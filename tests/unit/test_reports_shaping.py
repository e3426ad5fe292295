"""Pure shaping of topic counts: row order, category sums, change, and which topics count as growing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.mapping import load_mappings
from bridge.mapping.topics import Topics
from bridge.reports.topics import UNMARKED, TopicRow, change_of, shape_rows, top_growing

TOPICS: Topics = load_mappings(Path(__file__).resolve().parents[2] / "mappings").topics


@pytest.mark.parametrize(("counts", "expected"), [
    ((2, 4), (2, 100.0)), ((3, 1), (-2, -66.7)), ((0, 3), (3, None)), ((5, 5), (0, 0.0)), ((7,), (0, None)),
])
def test_change_is_last_period_against_the_one_before(counts: tuple[int, ...],
                                                      expected: tuple[int, float | None]) -> None:
    assert change_of(counts) == expected


def test_a_partial_period_is_compared_with_its_baseline_not_the_whole_period_before() -> None:
    assert change_of((10, 3)) == (-7, -70.0)          # a Wednesday against a whole week: misleading
    assert change_of((10, 3), baseline=4) == (-1, -25.0)
    assert change_of((10, 0), baseline=0) == (0, None)


def test_baselined_rows_carry_their_baseline_and_categories_add_them_up() -> None:
    rows = shape_rows({("billing", "invoices"): (6, 2, 1), ("billing", "tariffs"): (4, 1, 2)}, TOPICS, "en", 2,
                      baselined=True)
    assert [(r.label, r.counts, r.baseline, r.change, r.before) for r in rows] == [
        ("Billing", (10, 3), 3, 0, 3), ("Invoices", (6, 2), 1, 1, 1), ("Plans", (4, 1), 2, -1, 2)]


def test_rows_follow_the_topic_tree_with_unknown_then_unmarked_last() -> None:
    rows = shape_rows({
        (None, None): (1, 0), ("legacy", "old"): (0, 2), ("billing", "invoices"): (1, 1),
        ("billing", None): (0, 1), ("reports", "export"): (2, 0), (None, "export"): (1, 1),
        ("billing", "tariffs"): (1, 0),
    }, TOPICS, "en", 2)
    assert [(r.category, r.subcategory, r.label, r.counts) for r in rows] == [
        ("reports", None, "Reports", (3, 1)),
        ("reports", "export", "Export", (3, 1)),
        ("billing", None, "Billing", (2, 2)),
        ("billing", "invoices", "Invoices", (1, 1)),
        ("billing", "tariffs", "Plans", (1, 0)),
        ("billing", UNMARKED, "(none)", (0, 1)),
        ("legacy", None, "legacy", (0, 2)),
        ("legacy", "old", "old", (0, 2)),
        (None, None, "(none)", (1, 0)),
        (None, UNMARKED, "(none)", (1, 0)),
    ]
    assert rows[3].full_label == "Billing / Invoices"
    assert rows[2].full_label == "Billing"


def test_rows_are_labelled_in_russian() -> None:
    rows = shape_rows({("billing", "invoices"): (1,), (None, None): (1,)}, TOPICS, "ru", 1)
    assert [r.full_label for r in rows] == ["Оплата", "Оплата / Счета", "(не указано)",
                                            "(не указано) / (не указано)"]


def _row(name: str, before: int, last: int, subcategory: str | None = None) -> TopicRow:
    change, pct = change_of((before, last))
    return TopicRow("cat", subcategory or name, name, (before, last), change, pct, "Cat")


def test_top_growing_ranks_by_change_then_percent_and_skips_small_shrinking_and_unmarked() -> None:
    rows = [
        _row("doubled", 2, 4),         # +2, +100 %
        _row("tripled", 1, 3),         # +2, +200 %: same change, larger percent first
        _row("from nothing", 0, 5),    # +5, growth from zero
        _row("tiny", 1, 2),            # below the volume threshold
        _row("shrank", 5, 4),
        _row("unmarked", 0, 9, UNMARKED),
        _row("flat", 6, 6),
        _row("big", 10, 14),           # +4
        _row("more", 3, 4),            # +1
        _row("most", 3, 9),            # +6
        TopicRow("cat", None, "Cat", (0, 50), 50, None, "Cat"),   # a category row never counts
    ]
    assert [r.label for r in top_growing(rows)] == ["most", "from nothing", "big", "tripled", "doubled"]
