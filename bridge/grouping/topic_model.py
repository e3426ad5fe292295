"""Topic suggestion from text, for wishes that came without marking (a manual wish, the product form, a file import).

A linear model, multinomial logistic regression (L2-regularised, fitted with scipy's L-BFGS), learns the
category and the category/subcategory pair from the texts of the store's marked tickets; its features are the
sentence encoder's vectors (bridge.text.encoders), or hashed word and character features without an encoder.
A suggestion carries the model's probability as its confidence and is only ever shown: it never sets a
topic by itself. Pure apart from `TopicModels`, which keeps one model per process and store, fitted on the
newest MAX_TRAINING_TICKETS marked tickets.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from sqlalchemy import Connection, Engine, func, select

from bridge.grouping.similarity import term_counts
from bridge.store.schema import tickets
from bridge.text.encoders import Encoder, normalised

FloatArray = npt.NDArray[np.float64]
log = logging.getLogger(__name__)
HASHED_FEATURES = 4096
REGULARISATION = 1e-4
MAX_TRAINING_TICKETS = 5_000
MIN_PER_CLASS = 2
REFIT_GROWTH = 1.1


@dataclass(frozen=True)
class TopicSuggestion:
    category: str
    category_confidence: float
    subcategory: str | None
    subcategory_confidence: float | None


def features(texts: Sequence[str], encoder: Encoder | None) -> FloatArray:
    """One row per text: the encoder's vector, or L2-normalised hashed lexical counts without an encoder."""
    if encoder is not None:
        return encoder.encode(texts).astype(np.float64)
    counts = term_counts(texts).tocsr()
    counts.indices %= HASHED_FEATURES
    folded = np.zeros((len(texts), HASHED_FEATURES), dtype=np.float32)
    np.add.at(folded, (np.repeat(np.arange(len(texts)), np.diff(counts.indptr)), counts.indices), counts.data)
    return normalised(folded).astype(np.float64)


class LinearClassifier:
    """Multinomial logistic regression with a bias; classes seen fewer than MIN_PER_CLASS times are dropped."""

    def __init__(self, rows: FloatArray, labels: Sequence[str]) -> None:
        names, counts = np.unique(np.asarray(labels), return_counts=True)
        self.classes = [str(name) for name, count in zip(names, counts, strict=True) if count >= MIN_PER_CLASS]
        keep = np.isin(np.asarray(labels), self.classes)
        x = np.hstack([rows[keep], np.ones((int(keep.sum()), 1))])
        index = {name: i for i, name in enumerate(self.classes)}
        y = np.zeros((len(x), len(self.classes)))
        y[np.arange(len(x)), [index[label] for label in np.asarray(labels)[keep]]] = 1.0
        self.weights = self._fit(x, y) if len(self.classes) > 1 else np.zeros((x.shape[1], len(self.classes)))

    @staticmethod
    def _fit(x: FloatArray, y: FloatArray) -> FloatArray:
        shape = (x.shape[1], y.shape[1])

        def loss(flat: FloatArray) -> tuple[float, FloatArray]:
            weights = flat.reshape(shape)
            scores = x @ weights
            scores -= scores.max(axis=1, keepdims=True)
            probabilities = np.exp(scores)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            value = -np.sum(y * np.log(probabilities + 1e-12)) / len(x) + REGULARISATION * np.sum(weights**2)
            gradient = x.T @ (probabilities - y) / len(x) + 2 * REGULARISATION * weights
            return float(value), gradient.ravel()

        fitted = minimize(loss, np.zeros(shape[0] * shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 100})
        return np.asarray(fitted.x).reshape(shape)

    def probabilities(self, rows: FloatArray) -> FloatArray:
        """One row of class probabilities (in the order of ``classes``) per input row."""
        scores = np.hstack([rows, np.ones((len(rows), 1))]) @ self.weights
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


_PAIR = "\x1f"


class TopicModel:
    """Category and category/subcategory classifiers fitted on marked texts."""

    def __init__(self, texts: Sequence[str], categories: Sequence[str], subcategories: Sequence[str | None],
                 encoder: Encoder | None) -> None:
        self.encoder = encoder
        rows = features(texts, encoder)
        self.category = LinearClassifier(rows, categories)
        pairs = [(i, f"{c}{_PAIR}{s}") for i, (c, s) in enumerate(zip(categories, subcategories, strict=True)) if s]
        self.pair = LinearClassifier(rows[[i for i, _ in pairs]], [p for _, p in pairs]) if pairs else None

    def suggest(self, text: str) -> TopicSuggestion | None:
        """The likeliest category and, within it, subcategory; None when the model knows no category."""
        if not self.category.classes:
            return None
        row = features([text], self.encoder)
        chances = self.category.probabilities(row)[0]
        best = int(np.argmax(chances))
        category = self.category.classes[best]
        subcategory, confidence = None, None
        if self.pair is not None and self.pair.classes:
            pair_chances = self.pair.probabilities(row)[0]
            within = [i for i, name in enumerate(self.pair.classes) if name.split(_PAIR)[0] == category]
            if within:
                total = float(pair_chances[within].sum())
                top = max(within, key=lambda i: pair_chances[i])
                subcategory = self.pair.classes[top].split(_PAIR)[1]
                confidence = float(pair_chances[top]) / total if total > 0 else None
        return TopicSuggestion(category, float(chances[best]), subcategory, confidence)


def _marked(conn: Connection) -> tuple[list[str], list[str], list[str | None]]:
    rows = conn.execute(
        select(tickets.c.subject, tickets.c.body, tickets.c.category, tickets.c.subcategory)
        .where(tickets.c.category.is_not(None), ~tickets.c.deleted)
        .order_by(tickets.c.id.desc()).limit(MAX_TRAINING_TICKETS)
    ).all()
    return ([f"{row.subject}\n{row.body}" for row in rows], [row.category for row in rows],
            [row.subcategory for row in rows])


def _count_marked(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(tickets)
                            .where(tickets.c.category.is_not(None), ~tickets.c.deleted)).scalar_one())


@dataclass
class _Slot:
    marked: int = -1
    model: TopicModel | None = None
    fitting: threading.Thread | None = None


class TopicModels:
    """One topic model per store and encoder in this process, fitted in a background thread on a connection of its
    own (a page never waits for it) and refitted when the marked tickets have grown by a tenth."""

    def __init__(self) -> None:
        self._slots: weakref.WeakKeyDictionary[Engine, dict[str, _Slot]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def model(self, conn: Connection, encoder: Encoder | None, *, wait: bool = False) -> TopicModel | None:
        """The latest fitted model (None before the first fit ends); starts a fit when the store has outgrown it.
        ``wait`` blocks until a fit under way has ended."""
        marked = _count_marked(conn)
        with self._lock:
            slot = self._slots.setdefault(conn.engine, {}).setdefault(encoder.name if encoder else "none", _Slot())
            if slot.fitting is None and (slot.model is None or marked > slot.marked * REFIT_GROWTH) and marked:
                slot.fitting = threading.Thread(target=self._fit, args=(conn.engine, encoder, slot, marked),
                                                name="topic-model-fit", daemon=True)
                slot.fitting.start()
            fitting = slot.fitting
        if wait and fitting is not None:
            fitting.join()
        return slot.model

    def _fit(self, engine: Engine, encoder: Encoder | None, slot: _Slot, marked: int) -> None:
        """Fit and publish a model; a failure is logged and keeps the previous model (the next page retries)."""
        try:
            with engine.connect() as conn:
                model = TopicModel(*_marked(conn), encoder)
            with self._lock:
                slot.model, slot.marked = model, marked
        except Exception:
            log.exception("topics.fit_failed")
        finally:
            with self._lock:
                slot.fitting = None


MODELS = TopicModels()
