"""Similar-wish grouping: an incremental index of grouped wishes and a batch clusterer.

Text similarity is the cosine of TF-IDF vectors over hashed features: the Snowball stem of every
content word plus the character 4-grams inside it (so «агрегация» and «агрегировать» overlap even
where their stems differ). A group's score for a wish is the best combined score over its members;
the combined score mixes text similarity with marking (category, subcategory, tags) when marking is
known for both sides, and is the text similarity alone otherwise. Wishes sharing no text feature never
match, whatever their marking. Cosines are rounded to 9 decimals in the index and to 6 in batch
clustering (which computes in single precision), so identical texts score exactly 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from bridge import textnorm

N_FEATURES = 1 << 21
CATEGORY_WEIGHT, SUBCATEGORY_WEIGHT, TAGS_WEIGHT = 0.5, 0.25, 0.25
_TAIL_SHARE = 0.75
_BLOCK_ROWS = 2000
_EPS = 1e-6

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
TagSets = Sequence[frozenset[str]] | npt.NDArray[np.object_]


@dataclass(frozen=True)
class WishDoc:
    """One wish: its text and optional helpdesk marking."""

    id: str
    text: str
    category: str | None = None
    subcategory: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GroupingPolicy:
    """Thresholds and weights of the combined score; all in [0, 1], ``suggest_min <= auto_join``."""

    auto_join: float = 0.92
    suggest_min: float = 0.15
    text_weight: float = 0.9
    marking_weight: float = 0.1

    def __post_init__(self) -> None:
        values = (self.auto_join, self.suggest_min, self.text_weight, self.marking_weight)
        if not all(0.0 <= value <= 1.0 for value in values):
            raise ValueError(f"policy values must lie in [0, 1]: {self}")
        if self.suggest_min > self.auto_join:
            raise ValueError("suggest_min must not exceed auto_join")
        if self.text_weight + self.marking_weight <= 0.0:
            raise ValueError("text_weight and marking_weight must not both be zero")

    def combine(self, text: FloatArray, marking: FloatArray, known: BoolArray) -> FloatArray:
        """Combined scores: the weighted mix where marking is known, the text score elsewhere."""
        total = self.text_weight + self.marking_weight
        mixed = (self.text_weight * text + self.marking_weight * marking) / total
        return np.where(known, mixed, text)

    def text_floor(self, marked: bool) -> float:
        """Lowest text score that can still reach ``auto_join`` (with perfect marking if ``marked``)."""
        if not marked:
            return self.auto_join
        if self.text_weight == 0.0:
            return 0.0
        total = self.text_weight + self.marking_weight
        return max(0.0, (self.auto_join * total - self.marking_weight) / self.text_weight)


@dataclass(frozen=True)
class Suggestion:
    """A candidate group for a wish, with the scores of its best-matching member."""

    group_id: str
    score: float
    text_score: float
    marking_score: float


@dataclass(frozen=True)
class Decision:
    """``join`` is the best group when its score reaches ``auto_join``; suggestions best first."""

    join: str | None
    suggestions: tuple[Suggestion, ...]


@lru_cache(maxsize=500_000)
def _word_features(word: str) -> tuple[int, ...]:
    padded = f" {word} "
    names = [f"w:{textnorm.stem(word)}"] + [padded[i : i + 4] for i in range(max(1, len(padded) - 3))]
    return tuple(murmurhash3_32(name, positive=True) % N_FEATURES for name in names)


def term_counts(texts: Iterable[str]) -> sp.csr_matrix:
    """Sparse matrix of sublinear term frequencies (1 + log count) of hashed features, one row per text."""
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        for word in textnorm.content_words(text):
            indices.extend(_word_features(word))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, N_FEATURES))
    matrix.sum_duplicates()
    matrix.data = 1.0 + np.log(matrix.data)
    return matrix


def inverse_document_frequency(document_frequency: IntArray, documents: int) -> FloatArray:
    """Smoothed idf: ``log((1 + n) / (1 + df)) + 1``."""
    return np.log((1.0 + documents) / (1.0 + document_frequency)) + 1.0


def tfidf_rows(counts: sp.csr_matrix) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of ``counts``, with idf estimated on those rows."""
    document_frequency = np.bincount(counts.indices, minlength=N_FEATURES)
    idf = inverse_document_frequency(document_frequency, counts.shape[0]).astype(np.float32)
    rows = counts.copy()
    rows.data *= idf[rows.indices]
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    rows.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(rows.indptr)).astype(np.float32)
    return rows


def _jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    return len(left & right) / len(left | right) if left and right else 0.0


def _tag_scores(left: TagSets, right: TagSets, known: BoolArray) -> tuple[FloatArray, BoolArray]:
    """Jaccard similarity of aligned tag sets where ``known`` (both non-empty), else 0."""
    scores = np.zeros(len(known))
    for i in np.flatnonzero(known).tolist():
        scores[i] = _jaccard(left[i], right[i])
    return scores, known


def _marking_scores(
    category: tuple[IntArray, IntArray], subcategory: tuple[IntArray, IntArray], tags: tuple[FloatArray, BoolArray]
) -> tuple[FloatArray, BoolArray]:
    """Marking scores of aligned pairs and whether any marking is known for both sides (code -1: none).

    ``tags`` holds the pairs' tag Jaccard scores and whether both have tags.
    """
    category_known = (category[0] != -1) & (category[1] != -1)
    subcategory_known = (subcategory[0] != -1) & (subcategory[1] != -1)
    weight = CATEGORY_WEIGHT * category_known + SUBCATEGORY_WEIGHT * subcategory_known + TAGS_WEIGHT * tags[1]
    hits = (
        CATEGORY_WEIGHT * (category_known & (category[0] == category[1]))
        + SUBCATEGORY_WEIGHT * (subcategory_known & (subcategory[0] == subcategory[1]))
        + TAGS_WEIGHT * tags[0]
    )
    known = weight > 0
    return np.where(known, hits / np.where(known, weight, 1.0), 0.0), known


class _MarkingCodes:
    """Integer codes for categories and (category, subcategory) pairs; -1 stands for 'none'."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, ...], int] = {}

    def of(self, doc: WishDoc, register: bool = True) -> tuple[int, int]:
        """Codes of ``doc``'s category and subcategory; unregistered values get -2 unless ``register``."""
        return self._code(doc.category, ("c",), register), self._code(
            doc.subcategory, ("s", doc.category or ""), register
        )

    def _code(self, value: str | None, prefix: tuple[str, ...], register: bool) -> int:
        if value is None:
            return -1
        key = (*prefix, value)
        if register:
            return self._codes.setdefault(key, len(self._codes))
        return self._codes.get(key, -2)


class _Column:
    """A growable one-dimensional numpy array."""

    def __init__(self, dtype: type) -> None:
        self._data: npt.NDArray[np.generic] = np.zeros(16, dtype=dtype)
        self._size = 0

    def append(self, value: float) -> None:
        if self._size == len(self._data):
            self._data = np.concatenate([self._data, np.zeros_like(self._data)])
        self._data[self._size] = value
        self._size += 1

    def replace(self, values: npt.NDArray[np.generic]) -> None:
        self._data = np.array(values, dtype=self._data.dtype)
        self._size = len(values)

    @property
    def values(self) -> npt.NDArray[Any]:
        return self._data[: self._size]


def _top(rows: IntArray, scores: FloatArray, limit: int) -> tuple[IntArray, float | None]:
    """The ``limit`` rows with the highest scores, and the best score left out (None if none is)."""
    if len(rows) <= limit:
        return rows, None
    split = np.argpartition(-scores[rows], limit)
    return rows[split[:limit]], float(scores[rows[split[limit:]]].max())


class GroupIndex:
    """Incremental index of the wishes already in groups. Pure: no I/O; one index per thread.

    Rows keep sublinear term frequencies; idf is a snapshot of the live rows' document frequencies,
    refreshed (with the row norms) whenever the number of live rows has doubled or halved since.
    """

    def __init__(self, policy: GroupingPolicy = GroupingPolicy()) -> None:
        self.policy = policy
        self._chunks: list[sp.csr_matrix] = []
        self._norms = _Column(np.float64)
        self._alive = _Column(np.bool_)
        self._group = _Column(np.int64)
        self._category = _Column(np.int64)
        self._subcategory = _Column(np.int64)
        self._has_tags = _Column(np.bool_)
        self._tags: list[frozenset[str]] = []
        self._doc_ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._group_ids: list[str] = []
        self._query = np.zeros(N_FEATURES)
        self._group_code: dict[str, int] = {}
        self._marking = _MarkingCodes()
        self._df = np.zeros(N_FEATURES, dtype=np.int64)
        self._idf = inverse_document_frequency(self._df, 0)
        self._idf_documents = 0

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def group_of(self, doc_id: str) -> str:
        """Group id of an indexed wish; KeyError when it is not indexed."""
        return self._group_ids[int(self._group.values[self._row(doc_id)])]

    def add(self, doc: WishDoc, group_id: str) -> None:
        """Index ``doc`` as a member of ``group_id``; ValueError when its id is already indexed."""
        if doc.id in self._row_of:
            raise ValueError(f"wish {doc.id!r} is already indexed")
        counts = term_counts([doc.text]).astype(np.float64)
        self._df[counts.indices] += 1
        self._row_of[doc.id] = len(self._doc_ids)
        self._doc_ids.append(doc.id)
        self._append_row(counts)
        self._norms.append(self._norm(counts))
        self._alive.append(True)
        self._group.append(self._group_index(group_id))
        category, subcategory = self._marking.of(doc)
        self._category.append(category)
        self._subcategory.append(subcategory)
        self._has_tags.append(bool(doc.tags))
        self._tags.append(doc.tags)
        self._refresh_if_stale()

    def remove(self, doc_id: str) -> None:
        """Drop an indexed wish; KeyError when it is not indexed."""
        row = self._row(doc_id)
        del self._row_of[doc_id]
        self._alive.values[row] = False
        self._df[self._counts(row).indices] -= 1
        if len(self._doc_ids) > 2 * len(self._row_of) + 64:
            self._compact()
        self._refresh_if_stale()

    def move(self, doc_id: str, group_id: str) -> None:
        """Put an indexed wish into ``group_id`` (new or existing); KeyError when it is not indexed."""
        self._group.values[self._row(doc_id)] = self._group_index(group_id)

    def suggest(self, doc: WishDoc, k: int = 5) -> list[Suggestion]:
        """Up to ``k`` groups scoring at least ``suggest_min`` for ``doc``, best first."""
        return self._ranked(doc, k)

    def decide(self, doc: WishDoc, k: int = 5) -> Decision:
        """Suggestions for ``doc`` plus the group it joins automatically, if any."""
        ranked = self._ranked(doc, max(k, 1))
        join = ranked[0].group_id if ranked and ranked[0].score >= self.policy.auto_join else None
        return Decision(join=join, suggestions=tuple(ranked[: max(k, 0)]))

    def _row(self, doc_id: str) -> int:
        if doc_id not in self._row_of:
            raise KeyError(f"wish {doc_id!r} is not indexed")
        return self._row_of[doc_id]

    def _group_index(self, group_id: str) -> int:
        if group_id not in self._group_code:
            self._group_code[group_id] = len(self._group_ids)
            self._group_ids.append(group_id)
        return self._group_code[group_id]

    def _append_row(self, counts: sp.csr_matrix) -> None:
        self._chunks.append(counts)
        while len(self._chunks) > 1 and self._chunks[-1].shape[0] >= self._chunks[-2].shape[0]:
            last = self._chunks.pop()
            self._chunks[-1] = sp.vstack([self._chunks[-1], last], format="csr")

    def _counts(self, row: int) -> sp.csr_matrix:
        for chunk in self._chunks:
            if row < chunk.shape[0]:
                return chunk[row]
            row -= chunk.shape[0]
        raise IndexError(row)

    def _norm(self, counts: sp.csr_matrix) -> float:
        norm = float(np.sqrt(np.sum((counts.data * self._idf[counts.indices]) ** 2)))
        return norm if norm > 0 else 1.0

    def _refresh_if_stale(self) -> None:
        live = len(self._row_of)
        if 2 * live > self._idf_documents > live / 2:
            return
        self._idf = inverse_document_frequency(self._df, live)
        self._idf_documents = live
        squared = self._idf**2
        norms = [np.sqrt(chunk.multiply(chunk) @ squared) for chunk in self._chunks]
        if norms:
            merged = np.concatenate(norms)
            self._norms.replace(np.where(merged > 0, merged, 1.0))

    def _compact(self) -> None:
        keep = np.flatnonzero(self._alive.values)
        matrix = sp.vstack(self._chunks, format="csr")[keep] if self._chunks else None
        self._chunks = [] if matrix is None or matrix.shape[0] == 0 else [matrix]
        for column in (self._norms, self._alive, self._group, self._category, self._subcategory, self._has_tags):
            column.replace(column.values[keep])
        self._tags = [self._tags[row] for row in keep]
        self._doc_ids = [self._doc_ids[row] for row in keep]
        self._row_of = {doc_id: row for row, doc_id in enumerate(self._doc_ids)}

    def _text_scores(self, text: str) -> FloatArray:
        """Cosine similarity of ``text`` to every row under the idf snapshot; 0 for removed rows."""
        counts = term_counts([text])
        scores = np.zeros(len(self._doc_ids))
        if counts.nnz == 0 or not self._row_of:
            return scores
        idf = self._idf[counts.indices]
        weights = counts.data * idf
        query = self._query  # one dense buffer, zeroed after use (allocating 2**21 floats per call is slow)
        query[counts.indices] = weights * idf / np.linalg.norm(weights)
        dots = [chunk @ query for chunk in self._chunks]
        query[counts.indices] = 0.0
        scores = np.concatenate(dots) / self._norms.values
        scores[~self._alive.values] = 0.0
        return np.clip(np.round(scores, 9), 0.0, 1.0)

    def _ranked(self, doc: WishDoc, k: int) -> list[Suggestion]:
        text = self._text_scores(doc.text)
        candidates = np.flatnonzero(text > 0)
        category, subcategory = self._marking.of(doc, register=False)
        marked = category != -1 or subcategory != -1 or bool(doc.tags)
        limit = 64 * max(k, 1)
        while True:
            head, rest = _top(candidates, text, limit)
            ranked = self._best_groups(head, text, (category, subcategory, doc.tags), k)
            floor = max(ranked[-1].score if len(ranked) == k else 0.0, self.policy.suggest_min)
            if rest is None or self._upper_bound(rest, marked) < floor:
                return ranked
            limit *= 4

    def _upper_bound(self, text: float, marked: bool) -> float:
        if not marked:
            return text
        perfect = self.policy.combine(np.array([text]), np.ones(1), np.ones(1, dtype=bool))
        return max(text, float(perfect[0]))

    def _tag_scores(self, rows: IntArray, tags: frozenset[str]) -> tuple[FloatArray, BoolArray]:
        known = self._has_tags.values[rows] & bool(tags)
        if not tags:
            return np.zeros(len(rows)), known
        return _tag_scores([tags] * len(rows), [self._tags[row] for row in rows.tolist()], known)

    def _best_groups(
        self, rows: IntArray, text: FloatArray, query: tuple[int, int, frozenset[str]], k: int
    ) -> list[Suggestion]:
        """The ``k`` best groups of ``rows`` scored by their best row, best first, at least ``suggest_min``."""
        size = len(rows)
        marking, known = _marking_scores(
            (np.full(size, query[0]), self._category.values[rows]),
            (np.full(size, query[1]), self._subcategory.values[rows]),
            self._tag_scores(rows, query[2]),
        )
        combined = self.policy.combine(text[rows], marking, known)
        order = np.lexsort((rows, -combined))
        groups = self._group.values[rows][order]
        best = order[np.unique(groups, return_index=True)[1]]
        best = best[np.lexsort((self._group.values[rows][best], -combined[best]))][:k]
        return [
            Suggestion(
                group_id=self._group_ids[int(self._group.values[rows[i]])],
                score=float(combined[i]),
                text_score=float(text[rows[i]]),
                marking_score=float(marking[i]),
            )
            for i in best
            if combined[i] >= self.policy.suggest_min
        ]


def cluster(docs: Sequence[WishDoc], policy: GroupingPolicy = GroupingPolicy()) -> dict[str, str]:
    """Batch grouping: doc id -> group id (a group id is the id of its first doc). Deterministic.

    Wishes are taken in order; each joins the group of its best-scoring earlier wish when that
    combined score reaches ``policy.auto_join`` (ties go to the earliest), else it starts a group.
    This mirrors feeding them one by one to ``GroupIndex.decide`` and adding each to the group it
    joins or to a new one, except that idf comes from the whole batch.
    """
    ids = [doc.id for doc in docs]
    if len(set(ids)) != len(ids):
        raise ValueError("wish ids must be unique")
    if not docs:
        return {}
    rows = tfidf_rows(term_counts(doc.text for doc in docs))
    links = _SimilarityJoin(rows, _BatchMarking(docs), policy).best_earlier()
    root = np.arange(len(docs))
    for row, link in enumerate(links.tolist()):
        if link >= 0:
            root[row] = root[link]
    return {doc_id: ids[root[row]] for row, doc_id in enumerate(ids)}


class _BatchMarking:
    """Marking codes of a batch of wishes, compared pairwise."""

    def __init__(self, docs: Sequence[WishDoc]) -> None:
        codes = _MarkingCodes()
        pairs = np.array([codes.of(doc) for doc in docs], dtype=np.int64).reshape(-1, 2)
        self.category, self.subcategory = pairs[:, 0], pairs[:, 1]
        self.tags = np.empty(len(docs), dtype=object)
        self.tags[:] = [doc.tags for doc in docs]
        self.has_tags = np.array([bool(doc.tags) for doc in docs], dtype=bool)
        self.marked = (self.category != -1) | (self.subcategory != -1) | self.has_tags

    def pair_scores(self, left: IntArray, right: IntArray) -> tuple[FloatArray, BoolArray]:
        """Marking scores and known flags of the pairs ``(left[i], right[i])``."""
        if not self.marked.any():
            return np.zeros(len(left)), np.zeros(len(left), dtype=bool)
        return _marking_scores(
            (self.category[left], self.category[right]),
            (self.subcategory[left], self.subcategory[right]),
            _tag_scores(self.tags[left], self.tags[right], self.has_tags[left] & self.has_tags[right]),
        )


class _SimilarityJoin:
    """Exact best-earlier-neighbour search over unit rows with a combined-score threshold.

    Prefix filtering: each row's most frequent features form a tail of norm below a share of the
    row's text floor; two rows whose cosine reaches that floor must share a feature outside both
    tails, so candidates come from a sparse product of the remaining prefixes. Candidates are pruned
    by an upper bound before their exact cosine is computed.
    """

    def __init__(self, rows: sp.csr_matrix, marking: _BatchMarking, policy: GroupingPolicy) -> None:
        features, indices = np.unique(rows.indices, return_inverse=True)
        self.rows = sp.csr_matrix((rows.data, indices.ravel(), rows.indptr), shape=(rows.shape[0], len(features)))
        self.marking = marking
        self.policy = policy
        self.floor = np.where(marking.marked, policy.text_floor(True), policy.text_floor(False))
        self._split()

    def _split(self) -> None:
        rows = self.rows
        n_rows, n_features = rows.shape
        document_frequency = np.bincount(rows.indices, minlength=n_features)
        rank = np.empty(n_features, dtype=np.int64)
        rank[np.lexsort((np.arange(n_features), -document_frequency))] = np.arange(n_features)
        owner = np.repeat(np.arange(n_rows), np.diff(rows.indptr))
        entry_rank = rank[rows.indices]
        order = np.argsort(owner * n_features + entry_rank)
        squared = rows.data[order].astype(np.float64) ** 2
        cumulative = np.cumsum(squared)
        before_row = np.concatenate(([0.0], cumulative))[rows.indptr[:-1]]
        mass = cumulative - np.repeat(before_row, np.diff(rows.indptr))
        tail = mass < np.repeat((_TAIL_SHARE * self.floor) ** 2, np.diff(rows.indptr))
        tail_entries, prefix_entries = order[tail], order[~tail]
        self.tail_norm = np.sqrt(np.bincount(owner[tail_entries], weights=squared[tail], minlength=n_rows))
        self.cut = np.full(n_rows, -1, dtype=np.int64)
        np.maximum.at(self.cut, owner[tail_entries], entry_rank[tail_entries])
        self.tail = self._subset(tail_entries, owner)
        self.prefix = self._subset(prefix_entries, owner)
        self.prefix_t = self.prefix.T.tocsr()

    def _subset(self, entries: IntArray, owner: IntArray) -> sp.csr_matrix:
        rows = self.rows
        return sp.csr_matrix((rows.data[entries], (owner[entries], rows.indices[entries])), shape=rows.shape)

    def best_earlier(self) -> IntArray:
        """For every row, the earlier row it joins (best combined score >= auto_join), else -1."""
        n_rows = self.rows.shape[0]
        links = np.full(n_rows, -1, dtype=np.int64)
        starts = range(0, n_rows, _BLOCK_ROWS)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for start, block in zip(starts, pool.map(self._block, starts), strict=True):
                links[start : start + len(block)] = block
        return links

    def _block(self, start: int) -> IntArray:
        stop = min(start + _BLOCK_ROWS, self.rows.shape[0])
        product = self.prefix[start:stop] @ self.prefix_t[:, :stop]
        lowest = float(self.floor[start:stop].min()) - float(self.tail_norm.max()) - _EPS
        if lowest > 0:
            product.data[product.data < lowest] = 0.0
            product.eliminate_zeros()
        pairs = product.tocoo()
        earlier = pairs.col < pairs.row + start
        left, right = pairs.row[earlier].astype(np.int64) + start, pairs.col[earlier].astype(np.int64)
        partial = pairs.data[earlier].astype(np.float64)
        left, right, text = self._exact(left, right, partial)
        marking, known = self.marking.pair_scores(left, right)
        combined = self.policy.combine(text, marking, known)
        keep = combined >= self.policy.auto_join
        left, right, combined = left[keep], right[keep], combined[keep]
        order = np.lexsort((right, -combined, left))
        left, right = left[order], right[order]
        first = np.diff(left, prepend=-1) != 0
        links = np.full(stop - start, -1, dtype=np.int64)
        links[left[first] - start] = right[first]
        return links

    def _exact(self, left: IntArray, right: IntArray, partial: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
        """Pairs whose cosine may reach their floor, with the exact cosine; ``partial`` is prefix·prefix."""
        wide = np.where(self.cut[left] >= self.cut[right], left, right)
        narrow = np.where(wide == left, right, left)
        tail = self.tail_norm[wide]
        rest = np.sqrt(np.maximum(0.0, 1.0 - partial**2 / np.maximum(_EPS, 1.0 - tail**2)))
        hopeful = partial + tail * rest + _EPS >= np.maximum(self.floor[left], self.floor[right])
        wide, narrow, partial = wide[hopeful], narrow[hopeful], partial[hopeful]
        tail_dots = np.asarray(self.tail[wide].multiply(self.rows[narrow]).sum(axis=1)).ravel()
        left, right = left[hopeful], right[hopeful]
        return left, right, np.clip(np.round(partial + tail_dots, 6), 0.0, 1.0)
