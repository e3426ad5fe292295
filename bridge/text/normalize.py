"""Text normalisation for Russian and English wishes: language guess, words, stems."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from snowballstemmer.basestemmer import BaseStemmer

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)

STOP_WORDS_EN: frozenset[str] = frozenset(
    """
    a an the and or but so of to in on at by for with from into as than this that these those
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs am is are was were be been being has have had having do does did i'm i've i'd it's
    there here just also please hi hello dear thanks thank regards
    """.split()
)

STOP_WORDS_RU: frozenset[str] = frozenset(
    """
    а и или но да в во на с со к ко о об от у из за для по при про до над под же ли бы то это
    этот эта эти тот та те я мы ты вы он она оно они меня мне мной нас нам нами тебя тебе вас
    вам вами его ему ее ей их им мой моя мое мои наш наша наше наши ваш ваша ваше ваши свой
    своя свое свои был была было были быть есть уже вот тут там пожалуйста здравствуйте
    спасибо добрый день привет
    """.split()
)

STOP_WORDS: frozenset[str] = STOP_WORDS_EN | STOP_WORDS_RU


def normalize(text: str) -> str:
    """Lower-case ``text`` and fold ``ё`` into ``е``."""
    return text.lower().replace("ё", "е")


def detect_language(text: str) -> str:
    """Return ``'ru'`` when Cyrillic letters outnumber Latin ones in ``text``, else ``'en'``."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    return "ru" if cyrillic > latin else "en"


def written_in(text: str, language: str) -> bool:
    """Whether ``text`` reads as ``language`` (``'ru'`` or ``'en'``) for a customer: Russian text has Cyrillic
    letters (Latin product names inside it are usual), English text is what detect_language calls English, and a
    text without letters (a number, a version) suits every language."""
    if not any(char.isalpha() for char in text):
        return True
    if language == "ru":
        return bool(_CYRILLIC.search(text))
    return detect_language(text) == language


def words(text: str) -> list[str]:
    """Normalised words of ``text`` (letters and digits, apostrophes kept inside words), stop words kept."""
    return _WORD.findall(normalize(text))


def content_words(text: str) -> list[str]:
    """Normalised words of ``text`` without stop words."""
    return [word for word in words(text) if word not in STOP_WORDS]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one normalised word, by its own script: Cyrillic → Russian, otherwise English."""
    language = "russian" if _CYRILLIC.search(word) else "english"
    return str(_stemmer(language).stemWord(word.replace("’", "'")))


@lru_cache(maxsize=2)
def _stemmer(language: str) -> BaseStemmer:
    return snowballstemmer.stemmer(language)
