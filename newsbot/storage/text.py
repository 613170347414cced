"""What stored text may contain: no markup, no control characters, NFC.

Apart from :mod:`newsbot.storage.records` (which imports pyarrow) so that worker processes can
build a record's body exactly as the store will keep it.
"""

from __future__ import annotations

import html
import re
import unicodedata

# C0/C1 controls, zero-width and bidi-override characters that only ever corrupt stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# Something that is unmistakably an HTML tag (a name right after "<"), not "a < b" prose.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]{0,500})?/?>")


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Text with no markup and no control characters; ``None`` if nothing is left."""
    if value is None:
        return None
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " ")))
    if multiline:
        lines = (" ".join(line.split()) for line in text.split("\n"))
        text = "\n".join(line for line in lines if line)
    else:
        text = " ".join(text.split())
    return text or None


_WORD = re.compile(r"\w+")


def count_words(body: str) -> int:
    """The dataset's ``word_count``: runs of word characters in ``body``."""
    return len(_WORD.findall(body))
