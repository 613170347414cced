"""Sorted numpy arrays grown in bulk: the seen-URL memory and the near-duplicate index keep their
keys this way (8 bytes a key, binary search) instead of in Python sets (~60 bytes a key)."""

from __future__ import annotations

import numpy as np


def merge_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted union (with repeats) of two sorted arrays, in linear time."""
    if not len(b):
        return a
    if not len(a):
        return b
    return np.insert(a, np.searchsorted(a, b, side="right"), b)
