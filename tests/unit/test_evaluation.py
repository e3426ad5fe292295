import csv

import pytest
from click.testing import CliRunner

from bridge.cli.group import group_cli
from bridge.grouping.evaluation import (
    Estimate,
    auto_join_precision,
    bootstrap_mean,
    evaluate,
    evaluate_csv,
    gold_clusters,
    mean_reciprocal_rank,
    read_labelled_csv,
    recall_at,
    split_seeds,
    wilson,
)
from bridge.grouping.similarity import GroupingPolicy, WishDoc

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


def test_recall_at_k_and_mrr_use_one_based_ranks_and_count_misses():
    ranks = [1, 3, None, 2]
    assert [recall_at(ranks, k).value for k in (1, 2, 3, 5)] == [0.25, 0.5, 0.75, 0.75]
    assert mean_reciprocal_rank(ranks).value == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)


def test_figures_over_nothing_read_n_a():
    assert recall_at([], 5) == mean_reciprocal_rank([]) == auto_join_precision([(None, "A")]) == Estimate(None)
    assert Estimate(None).text() == "n/a"


def test_auto_join_precision_counts_every_join_including_joins_of_new_wishes():
    # "C" and "D" have no seeded group: joining them anywhere is wrong.
    assert auto_join_precision([("A", "A"), ("B", "A"), (None, "C"), ("A", "D")]).value == pytest.approx(1 / 3)


def test_wilson_interval_matches_the_textbook_values_and_stays_inside_0_and_1():
    # 8 of 10: Wilson 95 % interval 0.490 .. 0.943 (Newcombe 1998, table I).
    share = wilson(8, 10)
    assert (share.value, round(share.low, 3), round(share.high, 3)) == (0.8, 0.49, 0.943)
    assert wilson(10, 10).high == 1.0 and wilson(0, 10).low == 0.0


def test_bootstrap_interval_contains_the_mean_and_repeats_exactly():
    values = [0.0, 1.0, 0.5, 1.0, 0.25, 1.0]
    first, again = bootstrap_mean(values), bootstrap_mean(values)
    assert first == again
    assert first.low < first.value < first.high


def test_singletons_and_every_fifth_larger_group_become_new_wishes_the_rest_seed_half():
    groups = "AABBCCDDEEFFX"   # E is the fifth group of several rows; X has one row
    rows = [(WishDoc(str(n), ""), group) for n, group in enumerate(groups)]
    seeds, queries = split_seeds(rows)
    assert [doc.id for doc in seeds] == ["0", "2", "4", "6", "10"]
    assert [doc.id for doc in queries] == ["1", "3", "5", "7", "8", "9", "11", "12"]


def test_evaluate_counts_a_joined_new_wish_against_precision():
    seeds = [WishDoc("s1", "Export the sales report to Excel")]
    queries = [WishDoc("q1", "Export the sales report to Excel, please"),
               WishDoc("q2", "Export the sales report to Excel today")]
    report = evaluate(seeds, queries, {"s1": "excel", "q1": "excel", "q2": "other"}, GroupingPolicy(auto_join=0.5))
    assert (report.auto_joined, report.new_wishes, report.new_wishes_joined) == (2, 1, 1)
    assert report.auto_join_precision.value == 0.5
    assert report.recall_at(1).value == 1.0


def write_csv(path, dialect: str, rows) -> None:
    delimiter = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}[dialect]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "wishes.csv"
    write_csv(path, "comma", [("text", "group"), *CSV_ROWS])
    return path


def test_evaluate_csv_reports_every_measure_with_its_interval(labelled_csv):
    report = evaluate_csv(labelled_csv, "text", "group", GroupingPolicy(auto_join=0.9, suggest_min=0.1))
    assert (report.seeds, report.queries, report.new_wishes) == (3, 3, 1)
    assert report.recall_at(1).value == 1.0
    assert report.auto_joined == 2 and report.auto_join_precision.value == 1.0
    text = "\n".join(report.lines())
    for label in ("Recall@1 1.000 [", "Recall@5", "Recall@10", "MRR", "auto-join over all 3 queries: precision 1.000 [",
                  "1 new wishes", "peak RSS", "took"):
        assert label in text


QUOTED_TEXT = 'He said "export", then: a; b | c\tand a\nsecond line'


@pytest.mark.parametrize("dialect", ["comma", "semicolon", "tab", "pipe"])
def test_every_dialect_reads_quoted_fields_with_doubled_quotes_and_separators_inside(tmp_path, dialect):
    path = tmp_path / "wishes.csv"
    write_csv(path, dialect, [("text", "group", "note"), (QUOTED_TEXT, "g1", "x"), ("plain", "g2", "")])
    assert '""export""' in path.read_text(encoding="utf-8")
    rows = read_labelled_csv(path, "text", "group", dialect)
    assert [(doc.text, group) for doc, group in rows] == [(QUOTED_TEXT, "g1"), ("plain", "g2")]


def test_a_quoted_header_with_a_separator_inside_is_read_as_one_column(tmp_path):
    path = tmp_path / "wishes.csv"
    path.write_text('"text; in Russian",group\n"Выгрузка ""отчётов""",g1\n', encoding="utf-8")
    [(doc, group)] = read_labelled_csv(path, "text; in Russian", "group", "comma")
    assert (doc.text, group) == ('Выгрузка "отчётов"', "g1")


def test_the_wrong_dialect_fails_naming_the_columns_it_saw(tmp_path):
    path = tmp_path / "wishes.csv"
    write_csv(path, "semicolon", [("text", "group"), ("a", "b")])
    with pytest.raises(ValueError, match=r"column 'text' not found .*read as comma-separated.*columns are: text;group"):
        read_labelled_csv(path, "text", "group", "comma")


@pytest.mark.parametrize(("text_column", "group_column"), [("body", "group"), ("text", "label")])
def test_evaluate_csv_names_a_missing_column(labelled_csv, text_column, group_column):
    missing = "body" if text_column == "body" else "label"
    with pytest.raises(ValueError, match=f"column '{missing}' not found"):
        evaluate_csv(labelled_csv, text_column, group_column)


def test_evaluate_command_prints_the_report(labelled_csv):
    result = CliRunner().invoke(group_cli, ["evaluate", str(labelled_csv), "--text-column", "text",
                                            "--group-column", "group", "--encoder", "none"])
    assert result.exit_code == 0, result.output
    assert "Recall@5" in result.output and "encoder none" in result.output


def test_evaluate_command_reads_the_dialect_it_is_told(tmp_path):
    path = tmp_path / "wishes.tsv"
    write_csv(path, "tab", [("text", "group"), *CSV_ROWS])
    result = CliRunner().invoke(group_cli, ["evaluate", str(path), "-t", "text", "-g", "group", "--dialect", "tab",
                                            "--encoder", "none"])
    assert result.exit_code == 0, result.output
    assert "wishes 6" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--text-column", "body", "--group-column", "group"], "column 'body' not found"),
        (["--text-column", "text", "--group-column", "group", "--auto-join", "0.1"], "suggest_min"),
        (["--text-column", "text", "--group-column", "group", "--encoder", "bogus"], "unknown encoder 'bogus'"),
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
