"""Word shingles of a normalised text and their hashes: the input of near-duplicate signatures.

Kept apart from :mod:`newsbot.identify.neardup` (which imports datasketch, and with it SciPy)
so that worker processes can run :func:`shingle_hashes` without loading either.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib

_WORD = re.compile(r"\w+")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace folded: the text content hashes and shingles are taken from."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def shingle_hashes(text: str, k: int) -> list[int]:
    """crc32 of each distinct word ``k``-shingle: the Python-heavy half of a signature.

    Pure and light (no datasketch import), so the pipeline runs it in a worker process; the
    index turns the hashes into a MinHash signature with :meth:`NearDuplicateIndex.signature_from_hashes`.
    """
    return [zlib.crc32(s) for s in shingles(text, k)]


def shingles(text: str, k: int) -> list[bytes]:
    words = _WORD.findall(normalise_text(text))
    if len(words) < k:
        return [" ".join(words).encode("utf-8")] if words else []
    return list({" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)})
