from dataclasses import astuple

import pytest
from click.testing import CliRunner

from bridge.cli.group import group_cli
from bridge.evaluation import (
    PRF,
    auto_join_precision,
    bcubed_scores,
    evaluate_csv,
    gold_clusters,
    mean_reciprocal_rank,
    pairwise_scores,
    recall_at,
    split_seeds,
)
from bridge.grouping import GroupingPolicy, WishDoc

GOLD = {"1": "A", "2": "A", "3": "A", "4": "B", "5": "B"}
ONE_CLUSTER = dict.fromkeys(GOLD, "x")
SINGLETONS = {key: key for key in GOLD}
SPLIT = {"1": "x", "2": "x", "3": "y", "4": "y", "5": "y"}

CSV_ROWS = [
    ("Добавьте выгрузку отчётов в Excel", "excel"),
    ("Нужна выгрузка отчетов в Excel", "excel"),
    ("Dark mode in the mobile app", "dark"),
    ("Интеграция с Jira", "jira"),
    ("добавьте выгрузку отчетов в excel!", "excel"),
    ("dark mode in the mobile app please", "dark"),
]


def test_gold_clusters_are_the_transitive_closure_of_pairs_named_by_their_first_seen_id():
    clusters = gold_clusters([("b", "c"), ("a", "b"), ("d", "e")], ids=["f", "a"])
    assert clusters == {"b": "b", "c": "b", "a": "b", "d": "d", "e": "d", "f": "f"}


def test_pairwise_scores_count_pairs_put_together():
    # SPLIT pairs: 1-2 (right), 3-4, 3-5 (wrong), 4-5 (right); gold pairs: 1-2, 1-3, 2-3, 4-5.
    assert pairwise_scores(SPLIT, GOLD) == PRF(precision=0.5, recall=0.5)
    assert pairwise_scores(ONE_CLUSTER, GOLD) == PRF(precision=0.4, recall=1.0)
    assert pairwise_scores(SINGLETONS, GOLD) == PRF(precision=1.0, recall=0.0)


def test_f1_is_the_harmonic_mean():
    assert PRF(0.4, 1.0).f1 == pytest.approx(0.8 / 1.4)
    assert PRF(0.0, 0.0).f1 == 0.0


def test_bcubed_scores_average_per_item_overlaps():
    # One cluster: precision (3 * 3/5 + 2 * 2/5) / 5; singletons: recall (3 * 1/3 + 2 * 1/2) / 5.
    assert astuple(bcubed_scores(ONE_CLUSTER, GOLD)) == pytest.approx((0.52, 1.0))
    assert astuple(bcubed_scores(SINGLETONS, GOLD)) == pytest.approx((1.0, 0.4))
    # SPLIT: precision (1 + 1 + 1/3 + 2/3 + 2/3) / 5; recall (2/3 + 2/3 + 1/3 + 1 + 1) / 5.
    assert astuple(bcubed_scores(SPLIT, GOLD)) == pytest.approx((11 / 15, 11 / 15))


def test_clusterings_over_different_ids_are_rejected():
    with pytest.raises(ValueError, match="same ids"):
        pairwise_scores({"1": "x"}, GOLD)


def test_recall_at_k_and_mrr_use_one_based_ranks_and_count_misses():
    ranks = [1, 3, None, 2]
    assert [recall_at(ranks, k) for k in (1, 2, 3, 5)] == [0.25, 0.5, 0.75, 0.75]
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert recall_at([], 5) == 0.0 and mean_reciprocal_rank([]) == 0.0


def test_auto_join_precision_counts_only_the_joined_wishes():
    assert auto_join_precision([("A", "A"), ("B", "A"), (None, "C"), ("C", "C")]) == pytest.approx(2 / 3)
    assert auto_join_precision([(None, "A")]) is None


def test_the_first_half_of_each_gold_group_rounded_up_seeds_the_index():
    rows = [(WishDoc(str(n), ""), group) for n, group in enumerate("AABABC")]
    seeds, queries = split_seeds(rows)
    assert [doc.id for doc in seeds] == ["0", "1", "2", "5"]
    assert [doc.id for doc in queries] == ["3", "4"]


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "wishes.csv"
    lines = ["text,group", *(f'"{text}",{group}' for text, group in CSV_ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_csv_reports_every_measure(labelled_csv):
    report = evaluate_csv(labelled_csv, "text", "group", GroupingPolicy(auto_join=0.9, suggest_min=0.1))
    assert (report.wishes, report.seeds, report.queries, report.gold_groups) == (6, 4, 2, 3)
    assert report.recall_at(1) == 1.0 and report.mrr == 1.0
    assert report.auto_join_precision == 1.0 and report.auto_joined == 2
    assert report.pairwise.precision == 1.0
    assert report.bcubed.recall < 1.0
    text = "\n".join(report.lines())
    for label in ("pairwise P", "B-cubed P", "Recall@1", "Recall@5", "Recall@10", "MRR", "auto-join: precision"):
        assert label in text


def test_evaluate_csv_reads_semicolon_separated_files(tmp_path):
    path = tmp_path / "wishes.csv"
    path.write_text("group;text\n" + "".join(f"{group};{text}\n" for text, group in CSV_ROWS), encoding="utf-8")
    assert evaluate_csv(path, "text", "group").wishes == 6


@pytest.mark.parametrize(("text_column", "group_column"), [("body", "group"), ("text", "label")])
def test_evaluate_csv_names_a_missing_column(labelled_csv, text_column, group_column):
    missing = "body" if text_column == "body" else "label"
    with pytest.raises(ValueError, match=f"column '{missing}' not found"):
        evaluate_csv(labelled_csv, text_column, group_column)


def test_evaluate_command_prints_the_report(labelled_csv):
    result = CliRunner().invoke(group_cli, ["evaluate", str(labelled_csv), "--text-column", "text",
                                            "--group-column", "group"])
    assert result.exit_code == 0, result.output
    assert "Recall@5" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--text-column", "body", "--group-column", "group"], "column 'body' not found"),
        (["--text-column", "text", "--group-column", "group", "--auto-join", "0.1"], "suggest_min"),
    ],
)
def test_evaluate_command_exits_1_with_a_clear_message(labelled_csv, arguments, message):
    result = CliRunner().invoke(group_cli, ["evaluate", str(labelled_csv), *arguments])
    assert result.exit_code == 1
    assert message in result.output


def test_evaluate_command_exits_1_on_a_missing_file(tmp_path):
    result = CliRunner().invoke(group_cli, ["evaluate", str(tmp_path / "none.csv"), "-t", "text", "-g", "group"])
    assert result.exit_code == 1
    assert "cannot read" in result.output
