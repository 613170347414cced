"""Word shingles of a normalised text and their hashes: the input of near-duplicate signatures.

Pure Python, run in the crawl's worker processes (which import neither numpy nor datasketch);
:mod:`newsbot.identify.minhash` turns the hashes into a signature in the main process.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from array import array

_WORD = re.compile(r"\w+")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace folded: the text content hashes and shingles are taken from."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(text: str) -> str:
    return normal_hash(normalise_text(text))


def normal_hash(normal: str) -> str:
    """:func:`content_hash` of a text already through :func:`normalise_text`."""
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def shingle_hashes(text: str, k: int) -> list[int]:
    """crc32 of each distinct word ``k``-shingle: the Python-heavy half of a signature.

    :func:`newsbot.identify.minhash.minhash_signature` turns them into a signature.
    """
    return [zlib.crc32(s) for s in shingles(text, k)]


def shingles(text: str, k: int, *, normal: str | None = None) -> list[bytes]:
    """The distinct word ``k``-shingles of ``text`` (``normal``: its :func:`normalise_text`, if known)."""
    words = _WORD.findall(normalise_text(text) if normal is None else normal)
    if len(words) < k:
        return [" ".join(words).encode("utf-8")] if words else []
    return list({" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)})


def signature_input(text: str, shingle: int, min_shingles: int, *, normal: str | None = None) -> array | None:
    """The shingle hashes of a body as a compact ``array('I')`` (what a worker sends back for
    :func:`newsbot.identify.minhash.minhash_signature`); None when it has too few to judge.
    ``normal`` is the body's :func:`normalise_text`, if already computed."""
    hashes = [zlib.crc32(s) for s in shingles(text, shingle, normal=normal)]
    if len(hashes) < min_shingles:
        return None
    return array("I", hashes)
