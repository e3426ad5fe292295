"""Template twins: the same sentence about another version, branch, module or number.

Bug trackers and helpdesks are full of them ("Crash on save in Writer 3.2" / "Crash on save in Calc 3.3"):
lexically almost equal, yet different requests. A request filed twice may add or drop words, or mistype
one; a template twin swaps one: a token with a digit, or a word on each side that is no spelling of any
word the other side has in its place.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from bridge.text import normalize

_TOKEN = re.compile(r"\w+(?:[.\-_/]\w+)*")
_CLOSE = 0.8


def _numbered(text: str) -> set[str]:
    return {token for token in _TOKEN.findall(normalize.normalize(text)) if any(c.isdigit() for c in token)}


def _spelled_alike(left: str, right: str) -> bool:
    """Another form (same stem) or a typo (at most about one letter in five differs)."""
    return normalize.stem(left) == normalize.stem(right) or SequenceMatcher(None, left, right).ratio() >= _CLOSE


def _unmatched(words: set[str], others: set[str]) -> set[str]:
    return {word for word in words if not any(_spelled_alike(word, other) for other in others)}


def template_twins(left: str, right: str) -> bool:
    """True when the texts differ in a token carrying a digit (version, number, build, branch), or when each
    has a word that is no spelling of any word the other has in its stead (another module, product, format)."""
    if _numbered(left) != _numbered(right):
        return True
    words_left, words_right = set(normalize.content_words(left)), set(normalize.content_words(right))
    only_left, only_right = words_left - words_right, words_right - words_left
    return bool(_unmatched(only_left, only_right)) and bool(_unmatched(only_right, only_left))
