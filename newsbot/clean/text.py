"""Text normalisation shared by the clean stages.

Two paragraphs that a reader would call "the same text" must have the same normal form, whatever
the page did to them: Unicode compatibility forms, case, curly or straight quotes, dash style,
non-breaking or doubled spaces, a space before punctuation.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?%)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def fold_space(text: str) -> str:
    """Whitespace runs (including non-breaking spaces) become one space; ends stripped."""
    return " ".join(text.split())


# The duplicates, rules, author and template stages each compare a page's paragraphs by this
# form: computed once per paragraph instead of three times.
@functools.lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """The comparison form of a paragraph: NFKC, casefolded, quotes and dashes unified, spaces folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = fold_space(text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACE_AFTER_OPEN.sub(r"\1", text)


def strip_quotes(norm: str) -> str:
    """A normal form without surrounding quotes and end punctuation (pull quotes drop them)."""
    return norm.strip(" \"'.,;:!?-…")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_parts(text: str) -> tuple[int, int]:
    """(words outside CJK text, CJK characters): both add up over lines joined by newlines."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text) if cjk else text)), cjk


def words_of_parts(words: int, cjk: int) -> int:
    return words + (cjk + 1) // 2 if cjk else words


def word_count(text: str) -> int:
    """Words, counting CJK text (written without spaces) as one word per two characters."""
    return words_of_parts(*word_parts(text))
