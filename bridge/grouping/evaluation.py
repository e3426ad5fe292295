"""Quality measures for similar-wish grouping, as a new user meets it: rank the right group, join only repeats.

Seeds fill an index grouped by their gold group; every query is decided against it (and not added). A query
whose gold group has seeds should find it (Recall@k, MRR); a query whose gold group has none is a new wish
and should start its own group, so joining it anywhere is a wrong join. Automatic-join precision counts
every join of every query. A figure over an empty set is None ("n/a"); every figure carries a 95 % interval
(Wilson for shares, a seeded bootstrap for MRR).
"""

from __future__ import annotations

import csv
import math
import random
import resource
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bridge.grouping.similarity import GroupIndex, GroupingPolicy, WishDoc
from bridge.text.encoders import Encoder

RANK_CUTOFFS = (1, 5, 10)
DEFAULT_POLICY = GroupingPolicy()
DIALECTS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
NEW_GROUP_SHARE = 5   # every fifth gold group with several rows is held out whole: its rows are new wishes
_Z = 1.96
_RESAMPLES = 1000


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval; all None when measured over nothing."""

    value: float | None
    low: float | None = None
    high: float | None = None

    def text(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def wilson(successes: int, trials: int) -> Estimate:
    """The share ``successes / trials`` with its Wilson score interval."""
    if trials == 0:
        return Estimate(None)
    share = successes / trials
    centre = (share + _Z**2 / (2 * trials)) / (1 + _Z**2 / trials)
    half = _Z * math.sqrt(share * (1 - share) / trials + _Z**2 / (4 * trials**2)) / (1 + _Z**2 / trials)
    return Estimate(share, max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_mean(values: Sequence[float], seed: int = 0) -> Estimate:
    """The mean of ``values`` with a percentile bootstrap interval (seeded, so reruns print the same)."""
    if not values:
        return Estimate(None)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=len(values))) / len(values) for _ in range(_RESAMPLES))
    return Estimate(sum(values) / len(values), means[int(0.025 * _RESAMPLES)], means[int(0.975 * _RESAMPLES) - 1])


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


def recall_at(ranks: Sequence[int | None], k: int) -> Estimate:
    """Share of queries whose right group is ranked within the first ``k`` (ranks start at 1)."""
    return wilson(sum(1 for rank in ranks if rank is not None and rank <= k), len(ranks))


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> Estimate:
    """Mean of 1/rank of the right group, counting 0 where it was not ranked."""
    return bootstrap_mean([1 / rank if rank is not None else 0.0 for rank in ranks])


def auto_join_precision(joins: Sequence[tuple[str | None, str]]) -> Estimate:
    """Of ``(joined group or None, gold group)`` decisions, the share of joins into the gold group."""
    joined = [(group, gold) for group, gold in joins if group is not None]
    return wilson(sum(1 for group, gold in joined if group == gold), len(joined))


@dataclass(frozen=True)
class EvaluationReport:
    """All figures of one evaluation run."""

    seeds: int
    queries: int
    new_wishes: int
    recall: tuple[tuple[int, Estimate], ...]
    mrr: Estimate
    auto_join_precision: Estimate
    auto_join_coverage: Estimate
    auto_joined: int
    new_wishes_joined: int
    policy: GroupingPolicy
    encoder: str
    seconds: float
    peak_mb: float

    def recall_at(self, k: int) -> Estimate:
        """Recall@k as measured; KeyError for a cutoff that was not measured."""
        return dict(self.recall)[k]

    def lines(self) -> list[str]:
        """Human-readable report lines."""
        recall = ", ".join(f"Recall@{k} {value.text()}" for k, value in self.recall)
        policy = self.policy
        return [
            f"wishes {self.seeds + self.queries}: seeds {self.seeds}, queries {self.queries} "
            f"({self.queries - self.new_wishes} with a seeded group, {self.new_wishes} new wishes)",
            f"encoder {self.encoder}; policy: auto_join {policy.auto_join:.2f}, suggest_min {policy.suggest_min:.2f}, "
            f"semantic_weight {policy.semantic_weight:.2f}, marking_weight {policy.marking_weight:.2f} "
            f"(text_weight {policy.text_weight:.2f})",
            f"ranking: {recall}, MRR {self.mrr.text()}",
            f"auto-join over all {self.queries} queries: precision {self.auto_join_precision.text()}, "
            f"coverage {self.auto_join_coverage.text()} ({self.auto_joined} joined, "
            f"{self.new_wishes_joined} of {self.new_wishes} new wishes joined wrongly)",
            f"took {self.seconds:.1f} s, peak RSS {self.peak_mb:.0f} MB",
        ]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(
    seeds: Sequence[WishDoc],
    queries: Sequence[WishDoc],
    gold: Mapping[str, str],
    policy: GroupingPolicy = DEFAULT_POLICY,
    encoder: Encoder | None = None,
    cutoffs: Sequence[int] = RANK_CUTOFFS,
) -> EvaluationReport:
    """Evaluate grouping against ``gold`` (doc id -> gold group, covering seeds and queries)."""
    started = time.perf_counter()
    index = GroupIndex(policy, encoder)
    index.add_many([(doc, gold[doc.id]) for doc in seeds])
    index.prepare([doc.text for doc in queries])
    seeded = {gold[doc.id] for doc in seeds}
    ranks: list[int | None] = []
    joins: list[tuple[str | None, str]] = []
    for doc in queries:
        decision = index.decide(doc, k=max(cutoffs))
        joins.append((decision.join, gold[doc.id]))
        if gold[doc.id] in seeded:
            groups = [suggestion.group_id for suggestion in decision.suggestions]
            ranks.append(groups.index(gold[doc.id]) + 1 if gold[doc.id] in groups else None)
    joined = sum(1 for group, _ in joins if group is not None)
    return EvaluationReport(
        seeds=len(seeds),
        queries=len(queries),
        new_wishes=len(queries) - len(ranks),
        recall=tuple((k, recall_at(ranks, k)) for k in cutoffs),
        mrr=mean_reciprocal_rank(ranks),
        auto_join_precision=auto_join_precision(joins),
        auto_join_coverage=wilson(joined, len(joins)),
        auto_joined=joined,
        new_wishes_joined=sum(1 for group, gold_group in joins if group is not None and gold_group not in seeded),
        policy=policy,
        encoder=encoder.name if encoder is not None else "none",
        seconds=time.perf_counter() - started,
        peak_mb=peak_rss_mb(),
    )


def split_seeds(rows: Sequence[tuple[WishDoc, str]]) -> tuple[list[WishDoc], list[WishDoc]]:
    """Seeds and queries. A gold group of one row, and every ``NEW_GROUP_SHARE``-th group of several (in order
    of first appearance), gives only queries: new wishes. Of the other groups, the first half of the rows
    (rounded up) seed and the rest query."""
    sizes: dict[str, int] = {}
    for _, group in rows:
        sizes[group] = sizes.get(group, 0) + 1
    several = [group for group, size in sizes.items() if size > 1]
    held_out = set(several[NEW_GROUP_SHARE - 1 :: NEW_GROUP_SHARE]) | {g for g, size in sizes.items() if size == 1}
    seen: dict[str, int] = {}
    seeds: list[WishDoc] = []
    queries: list[WishDoc] = []
    for doc, group in rows:
        seen[group] = seen.get(group, 0) + 1
        seeding = group not in held_out and seen[group] <= (sizes[group] + 1) // 2
        (seeds if seeding else queries).append(doc)
    return seeds, queries


def read_labelled_csv(path: str | Path, text_column: str, group_column: str,
                      dialect: str = "comma") -> list[tuple[WishDoc, str]]:
    """Rows of a CSV as (wish, gold group), read with Python's csv module: the delimiter named by ``dialect``
    (a key of DIALECTS), fields quoted with ``"`` and a quote inside a field doubled (``""``), as Excel and
    every spreadsheet write them. Rows without a group are skipped.

    Raises ValueError naming a missing column, or when no row has a group.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=DIALECTS[dialect], quotechar='"', doublequote=True, strict=True)
        columns = reader.fieldnames or []
        for column in (text_column, group_column):
            if column not in columns:
                raise ValueError(f"column {column!r} not found in {path} (read as {dialect}-separated); "
                                 f"columns are: {', '.join(columns)}")
        rows = [
            (WishDoc(id=f"row{reader.line_num}", text=row[text_column] or ""), (row[group_column] or "").strip())
            for row in reader
            if (row[group_column] or "").strip()
        ]
    if not rows:
        raise ValueError(f"no row of {path} has a value in column {group_column!r}")
    return rows


def evaluate_csv(path: str | Path, text_column: str, group_column: str, policy: GroupingPolicy = DEFAULT_POLICY,
                 encoder: Encoder | None = None, dialect: str = "comma") -> EvaluationReport:
    """Evaluate on a CSV with a text column and a gold-group column, split by ``split_seeds``."""
    rows = read_labelled_csv(path, text_column, group_column, dialect)
    seeds, queries = split_seeds(rows)
    gold = {doc.id: group for doc, group in rows}
    return evaluate(seeds, queries, gold, policy, encoder)
