"""Text made clean where it is extracted: no control characters, NFC; markup decoded only where
a string carries HTML.

The dataset stores text as extraction left it (:mod:`newsbot.storage.records` only converts
types), so each producer of a text field cleans it once, with the function that fits what it
holds. Apart from :mod:`newsbot.storage.records` (which imports pyarrow): worker processes import
this module.
"""

from __future__ import annotations

import html
import re
import unicodedata

# C0/C1 controls, zero-width and bidi-override characters that only ever corrupt stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# Something that is unmistakably an HTML tag (a name right after "<"), not "a < b" prose.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]{0,500})?/?>")


def tidy_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Text without control characters, in NFC, whitespace folded; ``None`` if nothing is left.

    For text that is already text (what a reader of the page sees: trafilatura's paragraphs, an
    element's text content, an XML value): ``&amp;`` or ``<br>`` in it are words of the text and
    stay. Idempotent.
    """
    if value is None:
        return None
    text = unicodedata.normalize(
        "NFC", _CONTROL.sub(" ", str(value).replace("\r\n", "\n").replace("\t", " "))
    )
    if multiline:
        lines = (" ".join(line.split()) for line in text.split("\n"))
        text = "\n".join(line for line in lines if line)
    else:
        text = " ".join(text.split())
    return text or None


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Text of a string that carries HTML (a JSON-LD value, a feed summary, an API's HTML field):
    entities decoded once, tags removed, then :func:`tidy_text`. ``None`` if nothing is left.

    Only where such a string is extracted: applied to text that is already text it would change
    it (``&amp;`` quoted in an article would become ``&``, a ``<br>`` it mentions would vanish).
    """
    if value is None:
        return None
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    return tidy_text(text, multiline=multiline)


_WORD = re.compile(r"\w+")


def count_words(body: str) -> int:
    """The dataset's ``word_count``: runs of word characters in ``body``."""
    return len(_WORD.findall(body))
