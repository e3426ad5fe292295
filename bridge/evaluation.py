"""Quality measures for similar-wish grouping: clustering agreement, ranking and automatic joins.

Conventions: the precision of an empty set of predicted pairs is 1.0 and the recall of an empty set of
gold pairs is 1.0; automatic-join precision is ``None`` when nothing was joined.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bridge.grouping import GroupIndex, GroupingPolicy, WishDoc, cluster

RANK_CUTOFFS = (1, 5, 10)
DEFAULT_POLICY = GroupingPolicy()


@dataclass(frozen=True)
class PRF:
    """Precision and recall, with their harmonic mean."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def gold_clusters(pairs: Iterable[tuple[str, str]], ids: Iterable[str] = ()) -> dict[str, str]:
    """Transitive closure of duplicate ``pairs``: id -> the first-seen id of its cluster.

    Ids listed in ``ids`` that occur in no pair form singleton clusters.
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    order: dict[str, int] = {}
    for left, right in pairs:
        for node in (left, right):
            order.setdefault(node, len(order))
        a, b = root(left), root(right)
        if a != b:
            first, second = sorted((a, b), key=order.__getitem__)
            parent[second] = first
    for node in ids:
        order.setdefault(node, len(order))
        root(node)
    return {node: root(node) for node in order}


def _pairs(counts: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def _aligned(predicted: Mapping[str, str], gold: Mapping[str, str]) -> list[tuple[str, str]]:
    if predicted.keys() != gold.keys():
        raise ValueError("predicted and gold clusterings must cover the same ids")
    return [(predicted[key], gold[key]) for key in gold]


def pairwise_scores(predicted: Mapping[str, str], gold: Mapping[str, str]) -> PRF:
    """Precision and recall over the pairs of ids put in one cluster (id -> cluster id maps)."""
    labels = _aligned(predicted, gold)
    together = _pairs(Counter(labels).values())
    predicted_pairs = _pairs(Counter(p for p, _ in labels).values())
    gold_pairs = _pairs(Counter(g for _, g in labels).values())
    return PRF(
        precision=together / predicted_pairs if predicted_pairs else 1.0,
        recall=together / gold_pairs if gold_pairs else 1.0,
    )


def bcubed_scores(predicted: Mapping[str, str], gold: Mapping[str, str]) -> PRF:
    """B-cubed precision and recall: per-id overlap of its predicted and gold clusters, averaged."""
    labels = _aligned(predicted, gold)
    if not labels:
        return PRF(1.0, 1.0)
    both = Counter(labels)
    predicted_sizes = Counter(p for p, _ in labels)
    gold_sizes = Counter(g for _, g in labels)
    precision = sum(both[(p, g)] / predicted_sizes[p] for p, g in labels) / len(labels)
    recall = sum(both[(p, g)] / gold_sizes[g] for p, g in labels) / len(labels)
    return PRF(precision, recall)


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose right group is ranked within the first ``k`` (ranks start at 1)."""
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the right group, counting 0 where it was not ranked."""
    return sum(1 / rank for rank in ranks if rank is not None) / len(ranks) if ranks else 0.0


def auto_join_precision(joins: Sequence[tuple[str | None, str]]) -> float | None:
    """Of ``(joined group or None, gold group)`` decisions, the share of joins into the gold group."""
    joined = [(group, gold) for group, gold in joins if group is not None]
    return sum(1 for group, gold in joined if group == gold) / len(joined) if joined else None


@dataclass(frozen=True)
class EvaluationReport:
    """All figures of one evaluation run."""

    wishes: int
    gold_groups: int
    predicted_groups: int
    seeds: int
    queries: int
    ranked_queries: int
    pairwise: PRF
    bcubed: PRF
    recall: tuple[tuple[int, float], ...]
    mrr: float
    auto_join_precision: float | None
    auto_joined: int
    policy: GroupingPolicy

    @property
    def auto_join_coverage(self) -> float:
        """Share of queries joined automatically."""
        return self.auto_joined / self.queries if self.queries else 0.0

    def recall_at(self, k: int) -> float:
        """Recall@k as measured; KeyError for a cutoff that was not measured."""
        return dict(self.recall)[k]

    def lines(self) -> list[str]:
        """Human-readable report lines."""
        recall = " ".join(f"Recall@{k} {value:.3f}" for k, value in self.recall)
        precision = "n/a" if self.auto_join_precision is None else f"{self.auto_join_precision:.3f}"
        policy = self.policy
        return [
            f"wishes {self.wishes} (seeds {self.seeds}, queries {self.queries}), gold groups {self.gold_groups}, "
            f"predicted groups {self.predicted_groups}",
            f"policy: auto_join {policy.auto_join:.2f}, suggest_min {policy.suggest_min:.2f}, "
            f"text_weight {policy.text_weight:.2f}, marking_weight {policy.marking_weight:.2f}",
            f"clustering: pairwise P {self.pairwise.precision:.3f} R {self.pairwise.recall:.3f} "
            f"F1 {self.pairwise.f1:.3f}; B-cubed P {self.bcubed.precision:.3f} R {self.bcubed.recall:.3f} "
            f"F1 {self.bcubed.f1:.3f}",
            f"ranking ({self.ranked_queries} queries with a seeded group): {recall} MRR {self.mrr:.3f}",
            f"auto-join: precision {precision}, coverage {self.auto_join_coverage:.3f} "
            f"({self.auto_joined} of {self.queries} queries joined)",
        ]


def evaluate(
    seeds: Sequence[WishDoc],
    queries: Sequence[WishDoc],
    gold: Mapping[str, str],
    policy: GroupingPolicy = DEFAULT_POLICY,
    cutoffs: Sequence[int] = RANK_CUTOFFS,
) -> EvaluationReport:
    """Evaluate grouping against ``gold`` (doc id -> gold group, covering seeds and queries).

    Seeds fill an index grouped by their gold group; every query is decided against it and not added.
    Ranks count only queries whose gold group has a seed. Seeds then queries are also clustered in
    one batch for the pairwise and B-cubed figures.
    """
    index = GroupIndex(policy)
    for doc in seeds:
        index.add(doc, gold[doc.id])
    seeded = {gold[doc.id] for doc in seeds}
    ranks: list[int | None] = []
    joins: list[tuple[str | None, str]] = []
    for doc in queries:
        decision = index.decide(doc, k=max(cutoffs))
        joins.append((decision.join, gold[doc.id]))
        if gold[doc.id] in seeded:
            groups = [suggestion.group_id for suggestion in decision.suggestions]
            ranks.append(groups.index(gold[doc.id]) + 1 if gold[doc.id] in groups else None)
    docs = [*seeds, *queries]
    predicted = cluster(docs, policy)
    expected = {doc.id: gold[doc.id] for doc in docs}
    return EvaluationReport(
        wishes=len(docs),
        gold_groups=len(set(expected.values())),
        predicted_groups=len(set(predicted.values())),
        seeds=len(seeds),
        queries=len(queries),
        ranked_queries=len(ranks),
        pairwise=pairwise_scores(predicted, expected),
        bcubed=bcubed_scores(predicted, expected),
        recall=tuple((k, recall_at(ranks, k)) for k in cutoffs),
        mrr=mean_reciprocal_rank(ranks),
        auto_join_precision=auto_join_precision(joins),
        auto_joined=sum(1 for group, _ in joins if group is not None),
        policy=policy,
    )


def split_seeds(rows: Sequence[tuple[WishDoc, str]]) -> tuple[list[WishDoc], list[WishDoc]]:
    """Per gold group, the first half of its rows (rounded up) are seeds and the rest are queries."""
    sizes = Counter(group for _, group in rows)
    seen: Counter[str] = Counter()
    seeds: list[WishDoc] = []
    queries: list[WishDoc] = []
    for doc, group in rows:
        seen[group] += 1
        (seeds if seen[group] <= (sizes[group] + 1) // 2 else queries).append(doc)
    return seeds, queries


def read_labelled_csv(path: str | Path, text_column: str, group_column: str) -> list[tuple[WishDoc, str]]:
    """Rows of a CSV (delimiter sniffed among , ; tab |) as (wish, gold group); rows without a group are skipped.

    Raises ValueError naming a missing column, or when no row has a group.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(65536)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], ",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        columns = reader.fieldnames or []
        for column in (text_column, group_column):
            if column not in columns:
                raise ValueError(f"column {column!r} not found in {path}; columns are: {', '.join(columns)}")
        rows = [
            (WishDoc(id=f"row{number}", text=row[text_column] or ""), row[group_column].strip())
            for number, row in enumerate(reader, start=2)
            if (row[group_column] or "").strip()
        ]
    if not rows:
        raise ValueError(f"no row of {path} has a value in column {group_column!r}")
    return rows


def evaluate_csv(
    path: str | Path, text_column: str, group_column: str, policy: GroupingPolicy = DEFAULT_POLICY
) -> EvaluationReport:
    """Evaluate on a CSV with a text column and a gold-group column, split by ``split_seeds``."""
    rows = read_labelled_csv(path, text_column, group_column)
    seeds, queries = split_seeds(rows)
    gold = {doc.id: group for doc, group in rows}
    return evaluate(seeds, queries, gold, policy)
