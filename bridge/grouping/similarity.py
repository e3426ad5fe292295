"""Similar-wish grouping: scores and the incremental index of grouped wishes. Pure: no I/O.

The text score fuses two cosines. Lexical: TF-IDF over hashed features, the Snowball stem of every
content word plus the character 4-grams inside it (so «агрегация» and «агрегировать» overlap where their
stems differ). Semantic: the cosine of a local sentence encoder's vectors (bridge.text.encoders), rescaled so
the encoder's baseline (the cosine of two unrelated texts) maps to 0; it lets paraphrases and a Russian
wish's English twin meet. Without an encoder the text score is the lexical one. A group's score for a wish
is the best combined score over its members; the combined score mixes the text score with marking
(category, subcategory, tags) where marking is known for both sides.

Automatic joining is a "same request filed twice" detector, not a similarity threshold: the indexed wish
lexically closest to the new one must reach ``auto_join``, must not be filed under another category and
must not be its template twin (bridge.grouping.twins). Everything else is a ranked suggestion.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bridge.grouping.twins import template_twins
from bridge.text import normalize
from bridge.text.encoders import Encoder, Vectors

N_FEATURES = 1 << 21
CATEGORY_WEIGHT, SUBCATEGORY_WEIGHT, TAGS_WEIGHT = 0.5, 0.25, 0.25
_ENCODED_KEPT = 4096
_COLUMN_ROWS = 2048
_PLACE_BATCH = 256

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
    """Thresholds and weights; all in [0, 1], ``suggest_min <= auto_join``.

    ``auto_join`` is the lexical cosine a wish filed twice reaches; ``semantic_weight`` is the share of the
    semantic cosine in the text score (where an encoder is given); ``text_weight`` and ``marking_weight``
    mix the text score with marking.
    """

    auto_join: float = 0.95
    suggest_min: float = 0.15
    text_weight: float = 0.9
    marking_weight: float = 0.1
    semantic_weight: float = 0.5

    def __post_init__(self) -> None:
        values = (self.auto_join, self.suggest_min, self.text_weight, self.marking_weight, self.semantic_weight)
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


@dataclass(frozen=True)
class Suggestion:
    """A candidate group for a wish, with the scores of its best-matching member."""

    group_id: str
    score: float
    text_score: float
    marking_score: float


@dataclass(frozen=True)
class Decision:
    """``join``: the group of the wish this one repeats (None if it repeats none), with that wish's lexical
    cosine as ``join_score``; suggestions best first."""

    join: str | None
    suggestions: tuple[Suggestion, ...]
    join_score: float | None = None


@lru_cache(maxsize=500_000)
def _word_features(word: str) -> tuple[int, ...]:
    padded = f" {word} "
    names = [f"w:{normalize.stem(word)}"] + [padded[i : i + 4] for i in range(max(1, len(padded) - 3))]
    return tuple(zlib.crc32(name.encode()) % N_FEATURES for name in names)


def term_counts(texts: Iterable[str]) -> sp.csr_matrix:
    """Sparse matrix of sublinear term frequencies (1 + log count) of hashed features, one row per text."""
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        for word in normalize.content_words(text):
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


def _stored(chunk: sp.csr_matrix) -> sp.csr_matrix | sp.csc_matrix:
    """Large chunks are kept by column, so a query reads only the columns of its own features (ten times fewer
    entries than a scan of every row at 50,000 wishes); small ones by row (a by-column copy costs a pointer per
    feature, 2**21 of them)."""
    return chunk.tocsc() if chunk.shape[0] >= _COLUMN_ROWS else chunk


def _shifted(name: Callable[[int], str], start: int, position: int) -> str:
    return name(start + position)


def _weighted(counts: sp.csr_matrix, weights: FloatArray) -> sp.csr_matrix:
    """``counts`` with every entry times its column's weight."""
    return sp.csr_matrix((counts.data * weights[counts.indices], counts.indices, counts.indptr), shape=counts.shape)


def _narrowed(matrix: sp.csr_matrix, columns: IntArray) -> sp.csr_matrix:
    """``matrix`` (whose entries all lie in the sorted ``columns``) with only those columns, renumbered."""
    return sp.csr_matrix((matrix.data, np.searchsorted(columns, matrix.indices), matrix.indptr),
                         shape=(matrix.shape[0], len(columns)))


def _heaviest(unit: sp.csr_matrix, share: float) -> sp.csr_matrix:
    """Per row, its heaviest entries whose squared weights (the row has unit norm) first add up to more than
    ``share`` (every entry when ``share`` is 1 or more), as ones."""
    rows, columns = [], []
    for i in range(unit.shape[0]):
        start, stop = unit.indptr[i], unit.indptr[i + 1]
        order = np.argsort(-unit.data[start:stop], kind="stable")
        mass = np.cumsum(unit.data[start:stop][order] ** 2)
        keep = order[: int(np.searchsorted(mass, share, side="right")) + 1]
        columns.append(unit.indices[start:stop][keep])
        rows.append(np.full(len(keep), i))
    flat_rows, flat_columns = np.concatenate(rows), np.concatenate(columns)
    return sp.csr_matrix((np.ones(len(flat_rows)), (flat_rows, flat_columns)), shape=unit.shape)


def _postings(chunk: sp.csr_matrix | sp.csc_matrix, columns: IntArray) -> sp.csr_matrix:
    """For each of the sorted ``columns``, ones at the chunk's rows that have it (len(columns) × rows)."""
    if chunk.format == "csc":
        return sp.csr_matrix(chunk[:, columns].T != 0, dtype=np.float64)
    present = np.isin(chunk.indices, columns)
    rows = np.repeat(np.arange(chunk.shape[0]), np.diff(chunk.indptr))[present]
    found = np.searchsorted(columns, chunk.indices[present])
    return sp.csr_matrix((np.ones(len(rows)), (found, rows)), shape=(len(columns), chunk.shape[0]))


def _pair_dots(rows: sp.csr_matrix, query_of: IntArray, queries: FloatArray,
               position: npt.NDArray[np.int32]) -> FloatArray:
    """Dot product of each of ``rows`` with its query: row ``k`` with ``queries[query_of[k]]``, whose entries
    stand for the features whose ``position`` is not -1."""
    place = position[rows.indices]
    shared = place >= 0
    pair = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))[shared]
    weights = rows.data[shared] * queries[query_of[pair], place[shared]]
    return np.bincount(pair, weights=weights, minlength=rows.shape[0]).astype(np.float64)


def _rounded(scores: sp.spmatrix) -> sp.csr_matrix:
    """Cosines as `_lexical_scores` keeps them: rounded to 9 places, within [0, 1]."""
    result = sp.csr_matrix(scores)
    result.data = np.clip(np.round(result.data, 9), 0.0, 1.0)
    return result


class _Rows:
    """A growable float32 matrix, one row per indexed wish; a row not yet encoded is zeros (and the width is
    learnt from the first encoded one, so that indexing without encoding never loads the encoder)."""

    def __init__(self) -> None:
        self._data: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._size = 0

    def append(self, row: Vectors | None) -> None:
        if self._size == len(self._data):
            self._resize(max(16, 2 * self._size), self._data.shape[1])
        if row is not None:
            self.put(np.array([self._size]), row.reshape(1, -1))
        self._size += 1

    def put(self, rows: IntArray, vectors: Vectors) -> None:
        if self._data.shape[1] != vectors.shape[1]:
            self._resize(len(self._data), vectors.shape[1])
        self._data[rows] = vectors

    def keep(self, rows: IntArray) -> None:
        self._data = self._data[rows]
        self._size = len(rows)

    def _resize(self, length: int, width: int) -> None:
        grown = np.zeros((length, width), dtype=np.float32)
        if self._size and self._data.shape[1] == width:
            grown[: self._size] = self._data[: self._size]
        self._data = grown

    @property
    def values(self) -> Vectors:
        return self._data[: self._size]


@dataclass(frozen=True)
class _Scores:
    lexical: FloatArray
    text: FloatArray


class GroupIndex:
    """Incremental index of the wishes already in groups. Pure: no I/O; not thread-safe.

    Rows keep sublinear term frequencies (and the encoder's vector, when there is an encoder); idf is a
    snapshot of the live rows' document frequencies, refreshed (with the row norms) whenever the number of
    live rows has doubled or halved since.
    """

    def __init__(self, policy: GroupingPolicy = GroupingPolicy(), encoder: Encoder | None = None) -> None:
        self.policy = policy
        self.encoder = encoder
        self._chunks: list[sp.csr_matrix | sp.csc_matrix] = []
        self._row_chunks: list[sp.csr_matrix] = []
        self._vectors = _Rows()
        self._norms = _Column(np.float64)
        self._alive = _Column(np.bool_)
        self._group = _Column(np.int64)
        self._category = _Column(np.int64)
        self._subcategory = _Column(np.int64)
        self._has_tags = _Column(np.bool_)
        self._first_of_text = _Column(np.bool_)  # the oldest live row of its text: the one `argmax` picks
        self._rows_of_text: dict[str, list[int]] = {}
        self._docs: list[WishDoc] = []
        self._row_of: dict[str, int] = {}
        self._group_ids: list[str] = []
        self._query = np.zeros(N_FEATURES)
        self._group_code: dict[str, int] = {}
        self._marking = _MarkingCodes()
        self._df = np.zeros(N_FEATURES, dtype=np.int64)
        self._idf = inverse_document_frequency(self._df, 0)
        self._idf_documents = 0
        self._encoded: dict[str, Vectors] = {}
        self._unencoded: dict[int, str] = {}
        self._last_counts: tuple[str | None, sp.csr_matrix] = (None, None)

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def group_of(self, doc_id: str) -> str:
        """Group id of an indexed wish; KeyError when it is not indexed."""
        return self._group_ids[int(self._group.values[self._row(doc_id)])]

    def doc(self, doc_id: str) -> WishDoc:
        """The indexed wish; KeyError when it is not indexed."""
        return self._docs[self._row(doc_id)]

    def members(self) -> dict[str, tuple[str, WishDoc]]:
        """Every indexed wish id -> (its group, the wish as indexed)."""
        return {doc_id: (self.group_of(doc_id), self._docs[row]) for doc_id, row in self._row_of.items()}

    def members_of(self, group_id: str) -> list[str]:
        """Ids of the indexed wishes of ``group_id``."""
        if group_id not in self._group_code:
            return []
        rows = np.flatnonzero((self._group.values == self._group_code[group_id]) & self._alive.values)
        return [self._docs[row].id for row in rows.tolist()]

    def prepare(self, texts: Sequence[str]) -> None:
        """Encode ``texts`` in one batch ahead of the `suggest` or `decide` calls that rank them (an encoder is
        several times faster on a batch than text by text)."""
        if self.encoder is not None:
            missing = list(dict.fromkeys(text for text in texts if text not in self._encoded))
            if len(self._encoded) + len(missing) > _ENCODED_KEPT:
                self._encoded.clear()
            self._encoded.update(zip(missing, self.encoder.encode(missing), strict=True))

    def add(self, doc: WishDoc, group_id: str) -> None:
        """Index ``doc`` as a member of ``group_id``; ValueError when its id is already indexed."""
        self._add_block([doc], self._term_counts(doc.text).astype(np.float64), [group_id])

    def add_many(self, placed: Sequence[tuple[WishDoc, str]]) -> None:
        """`add` every (wish, group id), a block at a time."""
        start = 0
        while start < len(placed):
            part = placed[start:start + self._batch_size(len(placed) - start)]
            docs = [doc for doc, _ in part]
            self._add_block(docs, term_counts(doc.text for doc in docs).astype(np.float64),
                            [group for _, group in part])
            start += len(part)

    def place_many(self, docs: Sequence[WishDoc], new_group: Callable[[int], str]) -> list[Decision]:
        """For each wish in order, what `decide(doc, 0)` and then `add(doc, decision.join or new_group(i))`
        would do, with the same results: a block of wishes is scored against the index and against itself in
        two sparse products (the block ends where the idf snapshot would be refreshed)."""
        decisions: list[Decision] = []
        while len(decisions) < len(docs):
            start = len(decisions)
            part = docs[start:start + self._batch_size(len(docs) - start)]
            decisions.extend(self._place_block(part, partial(_shifted, new_group, start)))
        return decisions

    def rename(self, docs: Mapping[str, str], groups: Mapping[str, str]) -> None:
        """Give indexed wishes and groups new ids (provisional ids replaced by the store's). A group id known
        before (say, of a group rolled back, whose id the store gives again) takes the renamed group's members."""
        for old, new in groups.items():
            code = self._group_code.pop(old)
            if new in self._group_code:
                self._group.values[self._group.values == code] = self._group_code[new]
            else:
                self._group_code[new] = code
                self._group_ids[code] = new
        for old, new in docs.items():
            if new in self._row_of:
                raise ValueError(f"wish {new!r} is already indexed")
            row = self._row_of.pop(old)
            self._row_of[new] = row
            self._docs[row] = replace(self._docs[row], id=new)

    def remove(self, doc_id: str) -> None:
        """Drop an indexed wish; KeyError when it is not indexed."""
        row = self._row(doc_id)
        del self._row_of[doc_id]
        self._alive.values[row] = False
        self._df[term_counts([self._docs[row].text]).indices] -= 1
        same_text = self._rows_of_text[self._docs[row].text]
        same_text.remove(row)
        if self._first_of_text.values[row] and same_text:
            self._first_of_text.values[same_text[0]] = True
        self._first_of_text.values[row] = False
        if len(self._docs) > 2 * len(self._row_of) + 64:
            self._compact()
        self._refresh_if_stale()

    def move(self, doc_id: str, group_id: str) -> None:
        """Put an indexed wish into ``group_id`` (new or existing); KeyError when it is not indexed."""
        self._group.values[self._row(doc_id)] = self._group_index(group_id)

    def suggest(self, doc: WishDoc, k: int = 5, exclude: Iterable[str] = ()) -> list[Suggestion]:
        """Up to ``k`` groups (none of ``exclude``) scoring at least ``suggest_min`` for ``doc``, best first."""
        return self._ranked(doc, self._scores(doc.text, exclude, semantic=True), k)

    def decide(self, doc: WishDoc, k: int = 5, exclude: Iterable[str] = ()) -> Decision:
        """Suggestions for ``doc`` plus the group of the wish it repeats, if any (see the module docstring). With
        ``k=0`` nothing is ranked and nothing encoded: finding a repeat takes the word score alone."""
        scores = self._scores(doc.text, exclude, semantic=k > 0)
        ranked = self._ranked(doc, scores, k) if k > 0 else []
        if not self._row_of:
            return Decision(None, tuple(ranked))
        row = int(np.argmax(scores.lexical))
        lexical = float(scores.lexical[row])
        if lexical < self.policy.auto_join or not self._repeats(doc, self._docs[row], self._category.values[row]):
            return Decision(None, tuple(ranked))
        return Decision(self._group_ids[int(self._group.values[row])], tuple(ranked), lexical)

    def _repeats(self, doc: WishDoc, closest: WishDoc, closest_category: int) -> bool:
        """Whether ``doc`` repeats the lexically closest wish, which reached ``auto_join``."""
        category = self._marking.of(doc, register=False)[0]
        return (category == -1 or closest_category in (-1, category)) and not template_twins(doc.text, closest.text)

    def _row(self, doc_id: str) -> int:
        if doc_id not in self._row_of:
            raise KeyError(f"wish {doc_id!r} is not indexed")
        return self._row_of[doc_id]

    def _group_index(self, group_id: str) -> int:
        if group_id not in self._group_code:
            self._group_code[group_id] = len(self._group_ids)
            self._group_ids.append(group_id)
        return self._group_code[group_id]

    def _vector(self, text: str) -> Vectors:
        """The text's vector, from `prepare` or encoded now; kept for the `add` that usually follows a decision."""
        assert self.encoder is not None
        if text not in self._encoded:
            if len(self._encoded) >= _ENCODED_KEPT:
                self._encoded.clear()
            self._encoded[text] = self.encoder.encode([text])[0]
        return self._encoded[text]

    def _encode_added(self) -> None:
        """Encode, in batches, the wishes added since the last ranking (intake and catch-up leave them to it)."""
        if self.encoder is None or not self._unencoded:
            return
        rows = np.fromiter(self._unencoded, dtype=np.int64)
        self._vectors.put(rows, self.encoder.encode(list(self._unencoded.values())))
        self._unencoded.clear()

    def _batch_size(self, left: int) -> int:
        """How many wishes can be added before the idf snapshot goes stale (that one included)."""
        room = 2 * self._idf_documents - len(self._row_of) if self._idf_documents else 1
        return max(1, min(left, room, _PLACE_BATCH))

    def _add_block(self, docs: Sequence[WishDoc], counts: sp.csr_matrix, groups: Sequence[str]) -> None:
        """Index ``docs`` (``counts``: their term counts, one row each) as members of ``groups``."""
        for doc in docs:
            if doc.id in self._row_of:
                raise ValueError(f"wish {doc.id!r} is already indexed")
        if len({doc.id for doc in docs}) < len(docs):
            raise ValueError("a wish id appears twice in one block")
        for doc, group_id in zip(docs, groups, strict=True):
            if self.encoder is not None:
                vector = self._encoded.pop(doc.text, None)
                if vector is None:
                    self._unencoded[len(self._docs)] = doc.text
                self._vectors.append(vector)
            self._row_of[doc.id] = len(self._docs)
            self._docs.append(doc)
            self._alive.append(True)
            self._group.append(self._group_index(group_id))
            category, subcategory = self._marking.of(doc)
            self._category.append(category)
            self._subcategory.append(subcategory)
            self._has_tags.append(bool(doc.tags))
            same_text = self._rows_of_text.setdefault(doc.text, [])
            self._first_of_text.append(not same_text)
            same_text.append(len(self._docs) - 1)
        np.add.at(self._df, counts.indices, 1)
        self._append_row(counts)
        for norm in self._row_norms(counts).tolist():
            self._norms.append(norm)
        self._refresh_if_stale()

    def _row_norms(self, counts: sp.csr_matrix) -> FloatArray:
        weighted = _weighted(counts, self._idf)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        return np.where(norms > 0, norms, 1.0)

    def _place_block(self, docs: Sequence[WishDoc], new_group: Callable[[int], str]) -> list[Decision]:
        counts = term_counts(doc.text for doc in docs).astype(np.float64)
        scale = sp.diags(1.0 / self._row_norms(counts))
        queries = (scale @ _weighted(counts, self._idf**2)).tocsr()
        indexed = self._best_repeats((scale @ _weighted(counts, self._idf)).tocsr(), queries)
        columns = np.unique(counts.indices)
        among = _rounded(_narrowed(queries, columns) @ _narrowed(counts, columns).T @ scale).toarray()
        indexed_rows = len(self._docs)
        groups: list[str] = []
        decisions: list[Decision] = []
        for i, doc in enumerate(docs):
            best_row, best = indexed[i]
            earlier = among[i, :i]
            if len(earlier) and earlier.max() > best:
                best_row, best = indexed_rows + int(earlier.argmax()), float(earlier.max())
            decision = Decision(None, ())
            if (indexed_rows or i) and best >= self.policy.auto_join:
                other = self._docs[best_row] if best_row < indexed_rows else docs[best_row - indexed_rows]
                other_category = (self._category.values[best_row] if best_row < indexed_rows
                                  else self._marking.of(other)[0])
                category = self._marking.of(doc, register=False)[0]
                if (category in (-1, other_category) or other_category == -1) and not template_twins(doc.text,
                                                                                                   other.text):
                    group = (self._group_ids[int(self._group.values[best_row])] if best_row < indexed_rows
                             else groups[best_row - indexed_rows])
                    decision = Decision(group, (), best)
            self._marking.of(doc)
            groups.append(decision.join or new_group(i))
            decisions.append(decision)
        self._add_block(docs, counts, groups)
        return decisions

    def _best_repeats(self, unit: sp.csr_matrix, queries: sp.csr_matrix) -> list[tuple[int, float]]:
        """Each query's best indexed row and its lexical score (as `_lexical_scores` and `argmax` find them)
        wherever that score can reach ``auto_join``; below it, some row scoring below it. Only rows sharing one
        of the query's heaviest features are scored: a row lacking features that hold a share ``m`` of the
        query's squared unit weights scores at most ``sqrt(1 - m)``, so the features whose share passes
        ``1 - auto_join**2`` must meet any row that can reach it."""
        floor = self.policy.auto_join - 1e-9
        prefix = _heaviest(unit, 1.0 - floor**2 if floor > 0 else 2.0)
        wanted = np.unique(prefix.indices)
        narrowed = _narrowed(prefix, wanted)
        columns = np.unique(queries.indices)
        dense = _narrowed(queries, columns).toarray()
        position = np.full(N_FEATURES, -1, dtype=np.int32)
        position[columns] = np.arange(len(columns))
        found_query, found_row, found_score = [], [], []
        offset = 0
        for chunk, by_row in zip(self._chunks, self._row_chunks, strict=True):
            first = self._first_of_text.values[offset:offset + chunk.shape[0]]
            if floor > 0:
                pairs = (narrowed @ (_postings(chunk, wanted) @ sp.diags(first.astype(np.float64)))).tocoo()
                query_of, row_of = pairs.row, pairs.col
            else:
                query_of, row_of = np.divmod(np.arange(unit.shape[0] * chunk.shape[0]), chunk.shape[0])
            found_query.append(query_of)
            found_row.append(row_of + offset)
            found_score.append(_pair_dots(by_row[row_of], query_of, dense, position))
            offset += chunk.shape[0]
        best: list[tuple[int, float]] = [(0, 0.0)] * unit.shape[0]
        if not found_query:
            return best
        query_of, row_of = np.concatenate(found_query), np.concatenate(found_row)
        live = self._alive.values[row_of]
        scores = np.clip(np.round(np.concatenate(found_score) / self._norms.values[row_of], 9), 0.0, 1.0)
        query_of, row_of, scores = query_of[live], row_of[live], scores[live]
        order = np.lexsort((row_of, -scores, query_of))
        first = order[np.unique(query_of[order], return_index=True)[1]]
        for query, row, score in zip(query_of[first].tolist(), row_of[first].tolist(), scores[first].tolist(),
                                     strict=True):
            best[query] = (row, score) if score > 0 else (0, 0.0)
        return best

    def _term_counts(self, text: str) -> sp.csr_matrix:
        """Term counts of ``text``, kept for the one text last asked (a decision and the add that follows it)."""
        if self._last_counts[0] != text:
            self._last_counts = (text, term_counts([text]))
        return self._last_counts[1]

    def _append_row(self, counts: sp.csr_matrix) -> None:
        self._chunks.append(counts)
        self._row_chunks.append(counts)
        while len(self._chunks) > 1 and self._chunks[-1].shape[0] >= self._chunks[-2].shape[0]:
            self._chunks.pop()
            last = self._row_chunks.pop()
            self._row_chunks[-1] = sp.vstack([self._row_chunks[-1], last], format="csr")
            self._chunks[-1] = _stored(self._row_chunks[-1])

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
        self._encode_added()
        keep = np.flatnonzero(self._alive.values)
        matrix = sp.vstack(self._row_chunks, format="csr")[keep] if self._row_chunks else None
        self._row_chunks = [] if matrix is None or matrix.shape[0] == 0 else [matrix]
        self._chunks = [_stored(matrix) for matrix in self._row_chunks]
        for column in (self._norms, self._alive, self._group, self._category, self._subcategory, self._has_tags,
                       self._first_of_text):
            column.replace(column.values[keep])
        if self.encoder is not None:
            self._vectors.keep(keep)
        self._docs = [self._docs[row] for row in keep]
        self._row_of = {doc.id: row for row, doc in enumerate(self._docs)}
        self._rows_of_text = {}
        for row, doc in enumerate(self._docs):
            self._rows_of_text.setdefault(doc.text, []).append(row)

    def _lexical_scores(self, text: str) -> FloatArray:
        """Cosine similarity of ``text`` to every row under the idf snapshot."""
        counts = self._term_counts(text)
        if counts.nnz == 0 or not self._row_of:
            return np.zeros(len(self._docs))
        idf = self._idf[counts.indices]
        weights = counts.data * idf
        query = self._query  # one dense buffer, zeroed after use (allocating 2**21 floats per call is slow)
        query[counts.indices] = weights * idf / np.linalg.norm(weights)
        dots = [chunk[:, counts.indices] @ query[counts.indices] if chunk.format == "csc" else chunk @ query
                for chunk in self._chunks]
        query[counts.indices] = 0.0
        return np.clip(np.round(np.concatenate(dots) / self._norms.values, 9), 0.0, 1.0)

    def _scores(self, text: str, exclude: Iterable[str], semantic: bool) -> _Scores:
        """Lexical and (if ``semantic``) fused text scores of every row; 0 for removed rows and excluded groups."""
        lexical = self._lexical_scores(text)
        fused = lexical
        if semantic and self.encoder is not None and self._row_of:
            self._encode_added()
            baseline = self.encoder.baseline
            cosine = self._vectors.values @ self._vector(text)
            meaning = np.clip((cosine.astype(np.float64) - baseline) / (1.0 - baseline), 0.0, 1.0)
            weight = self.policy.semantic_weight
            fused = np.round((1.0 - weight) * lexical + weight * meaning, 9)
        dead = ~self._alive.values
        codes = [self._group_code[group] for group in exclude if group in self._group_code]
        if codes:
            dead = dead | np.isin(self._group.values, codes)
        return _Scores(np.where(dead, 0.0, lexical), np.where(dead, 0.0, fused))

    def _ranked(self, doc: WishDoc, scores: _Scores, k: int) -> list[Suggestion]:
        text = scores.text
        candidates = np.flatnonzero(text > 0)
        category, subcategory = self._marking.of(doc, register=False)
        marked = category != -1 or subcategory != -1 or bool(doc.tags)
        limit = 64 * max(k, 1)
        while True:
            head, rest = _top(candidates, text, limit)
            ranked = self._best_groups(head, scores, (category, subcategory, doc.tags), k)
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
        return _tag_scores([tags] * len(rows), [self._docs[row].tags for row in rows.tolist()], known)

    def _best_groups(
        self, rows: IntArray, scores: _Scores, query: tuple[int, int, frozenset[str]], k: int
    ) -> list[Suggestion]:
        """The ``k`` best groups of ``rows`` scored by their best row, best first, at least ``suggest_min``."""
        size = len(rows)
        marking, known = _marking_scores(
            (np.full(size, query[0]), self._category.values[rows]),
            (np.full(size, query[1]), self._subcategory.values[rows]),
            self._tag_scores(rows, query[2]),
        )
        text = scores.text
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
