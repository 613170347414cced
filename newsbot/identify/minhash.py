"""MinHash signatures with numpy: datasketch's affine32 scheme, value for value.

A signature is datasketch's ``MinHash(hashfunc=zlib.crc32, scheme="affine32")`` of a body's word
shingles (tests check equality value by value), computed here directly: importing datasketch loads
SciPy, ~77 MB in every process that imports it, for the dozen numpy lines below. It runs in the
main process on hashes a worker computed (:func:`newsbot.identify.shingles.signature_input`), so
workers don't import numpy either.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations ``h -> a*h + b mod 2**32`` (``a`` odd), drawn the same way."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: datasketch pre-mixes every input hash with it."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_signature(hashes: Sequence[int], num_perm: int, seed: int) -> np.ndarray:
    """MinHash (``uint64[num_perm]``) of crc32 shingle hashes, equal to datasketch's affine32 one."""
    a, b = _permutations(num_perm, seed)
    if not len(hashes):
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint64)
    hv = _fmix32(np.asarray(hashes, dtype=np.uint32)).reshape(-1, 1)
    return (hv * a + b).min(axis=0).astype(np.uint64)
