"""Near-duplicate detection for syndicated and reposted stories.

Wire copy is republished with a new intro, a local dateline, an extra paragraph or a trimmed end.
Each body gets a MinHash signature (datasketch's affine32 MinHash over word shingles of the
normalised text, computed by :mod:`newsbot.identify.minhash`), and
:class:`NearDuplicateIndex` finds earlier bodies whose estimated shingle Jaccard similarity
reaches a threshold. Copies are kept in the dataset and point at the earliest member of their
cluster through ``duplicate_of``.

The index is sized for a corpus of millions of articles on one machine:

* banding: ``bands`` × ``rows`` of the minimum hashes form band keys, mixed to 32 bits and packed
  with the 32-bit row number into one ``uint64`` (key in the high half), kept in one sorted array
  that a lookup binary-searches once per band; additions go to a small dict, merged in batches;
* verification: candidates are checked against the query on 8-bit minima (b-bit MinHash,
  ``num_perm`` bytes per document), the Jaccard estimate corrected for chance 8-bit collisions;
* per document: 16-byte id, 32-bit cluster root, 64-bit content hash for exact copies.

With the defaults (64 permutations, 22 bands of 2) that is about 270 bytes a document: 270 MB
at one million, and a lookup takes tens of microseconds. The probability that a pair with
Jaccard ``s`` becomes a candidate is ``1 - (1 - s**2)**22``: 0.94 at 0.35, 0.998 at 0.5.
On the labelled pairs (``python -m newsbot.bench.neardup``) wire copies with a new intro, a
trimmed end and a footer have a 5-shingle Jaccard of 0.47 and up, while different stories on
the same event, follow-ups and stories sharing a template paragraph stay below 0.2: the default
threshold of 0.35 sits between them, about two standard errors of the 64-minima estimate from each.

State is a cache of the dataset (``rebuild_from_dataset``) saved atomically with :meth:`save`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from newsbot.identify.dataset import dataset_files, fragment_tables, open_articles
from newsbot.identify.minhash import minhash_signature
from newsbot.identify.shingles import shingle_hashes
from newsbot.identify.sortedarrays import merge_sorted
from newsbot.storage.location import LocatedFile, Location, StoredFile, as_file

logger = logging.getLogger(__name__)

# Band entries of new documents wait in a small dict (Python objects: ~170 bytes an entry), are
# flushed into a sorted array of recent entries, which is merged into the main sorted array once
# it reaches an eighth of it: memory stays ~16 bytes an entry and merges stay rare.
_PENDING_MAX = 8_192
_MERGE_AT = 200_000
_NO_ROOT = np.uint32(0xFFFFFFFF)


@dataclass(frozen=True)
class NearDupParams:
    num_perm: int = 64
    bands: int = 22
    rows: int = 2
    shingle: int = 5
    #: minimum estimated Jaccard similarity of shingle sets for a match (see the benchmark)
    threshold: float = 0.35
    #: bodies with fewer shingles are too short to tell a copy from a coincidence
    min_shingles: int = 20
    seed: int = 1

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands * rows ({self.bands * self.rows}) exceeds num_perm ({self.num_perm})")


@dataclass(frozen=True)
class Match:
    """The earliest member of the matched cluster, the best estimated Jaccard, and whether a
    candidate had the same content hash."""

    id: str
    jaccard: float
    exact: bool


class SignatureIndex(Protocol):
    """What the pipeline needs from a signature store (a Redis-backed one implements this too)."""

    def signature(self, text: str) -> np.ndarray | None: ...

    def signature_from_hashes(self, hashes: list[int]) -> np.ndarray | None: ...

    def match(self, signature: np.ndarray, content_hash: str | None = None) -> Match | None: ...

    def add(self, id: str, signature: np.ndarray, content_hash: str | None = None) -> Match | None: ...

    def __contains__(self, id: object) -> bool: ...


def _id_bytes(id: str) -> bytes:
    try:
        raw = bytes.fromhex(id)
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise ValueError(f"near-duplicate ids must be 32 hex digits (article_id), got {id!r}")
    return raw


def _hash64(value: str | None) -> np.uint64:
    """64 bits of a content hash (sha256 hex); 0 stands for "unknown"."""
    if not value:
        return np.uint64(0)
    try:
        return np.uint64(int(value[:16], 16))
    except ValueError:
        return np.uint64(int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "little"))


class UnreadableState(ValueError):
    """The saved index cannot be read (truncated, damaged, not an index): set it aside, rebuild."""


class NearDuplicateIndex:
    """MinHash LSH over numpy arrays: one sorted band-key array, 8-bit minima for verification."""

    def __init__(self, params: NearDupParams | None = None) -> None:
        self.params = p = params or NearDupParams()
        rng = np.random.default_rng(p.seed)
        # odd multipliers per (band, row) and an offset per band make the band keys band-specific
        self._mult = (rng.integers(0, 2**63, size=(p.bands, p.rows), dtype=np.uint64) << np.uint64(1)) | 1
        self._offset = rng.integers(0, 2**63, size=p.bands, dtype=np.uint64)
        self._n = 0
        self._sig8 = np.empty((0, p.num_perm), dtype=np.uint8)
        self._ids = np.empty((0, 16), dtype=np.uint8)
        self._roots = np.empty(0, dtype=np.uint32)
        self._hashes = np.empty(0, dtype=np.uint64)
        self._bands = np.empty(0, dtype=np.uint64)  # sorted (key32 << 32) | row
        self._recent = np.empty(0, dtype=np.uint64)  # sorted, like _bands, merged into it in bulk
        self._pending: dict[int, list[int]] = {}
        self._pending_entries = 0

    # --- signatures -----------------------------------------------------------------------
    def signature(self, text: str) -> np.ndarray | None:
        """MinHash of ``text``'s word shingles (``uint64[num_perm]``); None when the text is too short."""
        return self.signature_from_hashes(shingle_hashes(text, self.params.shingle))

    def signature_from_hashes(self, hashes: list[int]) -> np.ndarray | None:
        """The signature of shingles already hashed with crc32 (:func:`shingle_hashes`)."""
        if len(hashes) < self.params.min_shingles:
            return None
        return minhash_signature(hashes, self.params.num_perm, self.params.seed)

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """32-bit band keys, shape (n, bands), of signatures of shape (n, num_perm)."""
        p = self.params
        sig = signatures[:, : p.bands * p.rows].reshape(len(signatures), p.bands, p.rows)
        with np.errstate(over="ignore"):
            k = (sig * self._mult).sum(axis=2, dtype=np.uint64) + self._offset
            k ^= k >> np.uint64(29)
            k *= np.uint64(0xBF58476D1CE4E5B9)
            k ^= k >> np.uint64(32)
        return k & np.uint64(0xFFFFFFFF)

    @staticmethod
    def bbit(signatures: np.ndarray) -> np.ndarray:
        return (signatures & np.uint64(0xFF)).astype(np.uint8)

    # --- lookups ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (capacity included); the pending dict is not counted."""
        arrays = (self._sig8, self._ids, self._roots, self._hashes, self._bands, self._recent)
        return sum(a.nbytes for a in arrays)

    def __contains__(self, id: object) -> bool:
        if not isinstance(id, str) or not self._n:
            return False
        try:
            raw = np.frombuffer(_id_bytes(id), dtype=np.uint8)
        except ValueError:
            return False
        return bool((self._ids[: self._n] == raw).all(axis=1).any())

    def _candidates(self, keys: np.ndarray) -> np.ndarray:
        found: list[np.ndarray] = []
        lo = keys << np.uint64(32)
        hi = lo | np.uint64(0xFFFFFFFF)
        for table in (self._bands, self._recent):
            if not len(table):
                continue
            start = np.searchsorted(table, lo, side="left")
            stop = np.searchsorted(table, hi, side="right")
            for a, b in zip(start.tolist(), stop.tolist(), strict=True):
                if b > a:
                    found.append(table[a:b] & np.uint64(0xFFFFFFFF))
        if self._pending:
            rows = [r for k in keys.tolist() for r in self._pending.get(k, ())]
            if rows:
                found.append(np.asarray(rows, dtype=np.uint64))
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    def match(self, signature: np.ndarray, content_hash: str | None = None) -> Match | None:
        """The earliest document of the cluster ``signature`` near-duplicates, or None."""
        found = self._match(signature, content_hash)
        return Match(self._id_at(found[0]), found[1], found[2]) if found else None

    def _match(self, signature: np.ndarray, content_hash: str | None) -> tuple[int, float, bool] | None:
        sig = np.asarray(signature, dtype=np.uint64).reshape(1, -1)
        cand = self._candidates(self.band_keys(sig)[0])
        if not len(cand):
            return None
        agree = (self._sig8[cand] == self.bbit(sig)[0]).mean(axis=1)
        chance = 1.0 / 256
        jac = (agree - chance) / (1.0 - chance)
        exact = self._hashes[cand] == _hash64(content_hash) if content_hash else np.zeros(len(cand), bool)
        ok = (jac >= self.params.threshold) | exact
        if not ok.any():
            return None
        return int(self._roots[cand[ok]].min()), float(jac[ok].max()), bool(exact.any())

    def query(self, signature: np.ndarray) -> str | None:
        """Id of the earliest member of the cluster ``signature`` belongs to, or None."""
        m = self.match(signature)
        return m.id if m else None

    def _id_at(self, row: int) -> str:
        return self._ids[row].tobytes().hex()

    # --- updates ---------------------------------------------------------------------------
    def _grow(self, extra: int) -> None:
        need = self._n + extra
        if need <= len(self._roots):
            return
        cap = max(need, int(len(self._roots) * 1.5) + 1024)
        for name in ("_sig8", "_ids", "_roots", "_hashes"):
            old = getattr(self, name)
            new = np.empty((cap, *old.shape[1:]), dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def add(self, id: str, signature: np.ndarray, content_hash: str | None = None) -> Match | None:
        """Index a document; returns its match among earlier documents (the same as :meth:`match`).

        Documents must be added in the order they were stored: the earliest is the cluster root.
        """
        sig = np.asarray(signature, dtype=np.uint64).reshape(1, -1)
        found = self._match(sig[0], content_hash)
        root = found[0] if found else self._n
        self._append(sig, [id], np.asarray([root], dtype=np.uint32), [content_hash])
        return Match(self._id_at(found[0]), found[1], found[2]) if found else None

    def _append(
        self, sigs: np.ndarray, ids: Sequence[str], roots: np.ndarray, hashes: Sequence[str | None]
    ) -> None:
        n, start = len(sigs), self._n
        self._grow(n)
        self._sig8[start : start + n] = self.bbit(sigs)
        self._ids[start : start + n] = np.frombuffer(b"".join(_id_bytes(i) for i in ids), np.uint8).reshape(
            n, 16
        )
        self._roots[start : start + n] = roots
        self._hashes[start : start + n] = [_hash64(h) for h in hashes]
        self._n += n
        keys = self.band_keys(sigs)
        if n > 1000:  # bulk: straight into the sorted array
            packed = (keys << np.uint64(32)) | np.arange(start, start + n, dtype=np.uint64)[:, None]
            self._merge(packed.ravel())
            return
        for row, ks in zip(range(start, start + n), keys.tolist(), strict=True):
            for k in ks:
                self._pending.setdefault(k, []).append(row)
        self._pending_entries += keys.size
        if self._pending_entries >= _PENDING_MAX:
            self._recent = merge_sorted(self._recent, np.sort(self._take_pending()))
            if len(self._recent) >= max(_MERGE_AT, len(self._bands) // 8):
                self._merge(np.empty(0, dtype=np.uint64))

    def _take_pending(self) -> np.ndarray:
        packed = np.fromiter(
            ((k << 32) | r for k, rows in self._pending.items() for r in rows),
            dtype=np.uint64,
            count=self._pending_entries,
        )
        self._pending.clear()
        self._pending_entries = 0
        return packed

    def _merge(self, extra: np.ndarray) -> None:
        """Everything into the main sorted array."""
        # _recent is sorted already: only the new entries are sorted, then merged into it.
        unsorted = [extra, self._take_pending()] if self._pending else [extra]
        new = merge_sorted(self._recent, np.sort(np.concatenate(unsorted)))
        # One linear merge of two sorted arrays, not a sort of both: at a million documents a
        # sort of the 22 million band entries held the reactor for seconds.
        self._bands = merge_sorted(self._bands, new)
        self._recent = np.empty(0, dtype=np.uint64)

    def add_many(
        self,
        ids: Sequence[str],
        signatures: np.ndarray,
        duplicate_of: Sequence[str | None] | None = None,
        content_hashes: Sequence[str | None] | None = None,
    ) -> None:
        """Bulk-add documents in storage order, trusting ``duplicate_of`` (the dataset's links)
        instead of matching them again."""
        n = len(ids)
        if not n:
            return
        id_raw = np.frombuffer(b"".join(_id_bytes(i) for i in ids), np.uint8).reshape(n, 16)
        roots = np.arange(self._n, self._n + n, dtype=np.uint32)
        if duplicate_of is not None and any(duplicate_of):
            known = np.concatenate([self._ids[: self._n], id_raw]).view("S16").ravel()
            order = np.argsort(known, kind="stable")
            for i, dup in enumerate(duplicate_of):
                if not dup:
                    continue
                try:
                    key = np.frombuffer(_id_bytes(dup), np.uint8).view("S16")[0]
                except ValueError:
                    continue
                pos = int(np.searchsorted(known, key, sorter=order))
                if pos < len(known) and known[order[pos]] == key and order[pos] < self._n + i:
                    target = int(order[pos])
                    roots[i] = self._roots[target] if target < self._n else roots[target - self._n]
        self._append(signatures, ids, roots, content_hashes or [None] * n)

    # --- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path | LocatedFile) -> None:
        """Write the index to ``path`` (``.npz``) atomically: a reader sees the old or the new file."""
        if self._pending or len(self._recent):
            self._merge(np.empty(0, dtype=np.uint64))
        p = self.params
        with as_file(path).atomic_write() as fh:
            np.savez(
                fh,
                params=np.asarray([p.num_perm, p.bands, p.rows, p.shingle, p.min_shingles, p.seed]),
                threshold=np.asarray(p.threshold),
                sig8=self._sig8[: self._n],
                ids=self._ids[: self._n],
                roots=self._roots[: self._n],
                hashes=self._hashes[: self._n],
                bands=self._bands,
            )

    @classmethod
    def load(cls, path: str | Path | LocatedFile, params: NearDupParams | None = None) -> NearDuplicateIndex:
        """Read an index written by :meth:`save`; ValueError if it was built with other parameters
        (the signatures would not be comparable) or is unreadable."""
        try:
            with np.load(io.BytesIO(as_file(path).read_bytes())) as data:
                num_perm, bands, rows, shingle, min_shingles, seed = (int(v) for v in data["params"])
                stored = NearDupParams(
                    num_perm, bands, rows, shingle, float(data["threshold"]), min_shingles, seed
                )
                if params is not None and (
                    params.num_perm,
                    params.bands,
                    params.rows,
                    params.shingle,
                    params.seed,
                ) != (num_perm, bands, rows, shingle, seed):
                    raise ValueError(f"{path}: built with other signature parameters")
                index = cls(params or stored)
                index._sig8, index._ids = data["sig8"], data["ids"]
                index._roots, index._hashes = data["roots"], data["hashes"]
                index._bands = data["bands"]
                lengths = {len(index._sig8), len(index._ids), len(index._roots), len(index._hashes)}
                if len(lengths) != 1:
                    raise UnreadableState(f"{path}: arrays of different lengths {sorted(lengths)}")
        except UnreadableState:
            raise
        except (OSError, KeyError, EOFError, zlib.error, zipfile.BadZipFile, TypeError, IndexError) as exc:
            # A truncated file is a BadZipFile; one of the wrong shape, a TypeError or IndexError.
            raise UnreadableState(f"{path}: unreadable near-duplicate state ({exc})") from exc
        index._n = len(index._roots)
        return index

    # --- rebuilding ------------------------------------------------------------------------
    def add_from_files(self, files: Iterable[StoredFile], *, skip_known: bool = False) -> int:
        """Index the records of dataset ``files`` in ``fetched_at`` order; returns how many."""
        files = list(files)
        cols = ["id", "body", "duplicate_of", "content_hash", "fetched_at"]
        dataset, present = open_articles(files, cols)
        if dataset is None or not {"id", "body"} <= set(present):
            return 0
        tables = list(fragment_tables(dataset, present))  # a file that does not decode is set aside
        if not tables:
            return 0
        table = pa.concat_tables(tables)
        if "fetched_at" in present:
            table = table.sort_by("fetched_at")
        ids = table.column("id").to_pylist()
        bodies = table.column("body").to_pylist()
        dups = table.column("duplicate_of").to_pylist() if "duplicate_of" in present else [None] * len(ids)
        hashes = table.column("content_hash").to_pylist() if "content_hash" in present else [None] * len(ids)
        valid = []
        for i, id_ in enumerate(ids):
            try:
                _id_bytes(id_ or "")
            except ValueError:
                logger.warning("Record id %r is not an article id: not indexed for near-duplicates", id_)
                continue
            valid.append(i)
        if skip_known and self._n and valid:
            raw = np.frombuffer(b"".join(_id_bytes(ids[i]) for i in valid), np.uint8).view("S16")
            fresh = ~np.isin(raw, self._ids[: self._n].view("S16").ravel())
            valid = [i for i, f in zip(valid, fresh.tolist(), strict=True) if f]
        keep_ids, keep_sigs, keep_dups, keep_hashes = [], [], [], []
        for i in valid:
            id_, body, dup, h = ids[i], bodies[i], dups[i], hashes[i]
            sig = self.signature(body or "")
            if sig is None:
                continue
            keep_ids.append(id_)
            keep_sigs.append(sig)
            keep_dups.append(dup)
            keep_hashes.append(h)
        if keep_ids:
            self.add_many(keep_ids, np.vstack(keep_sigs), keep_dups, keep_hashes)
        return len(keep_ids)

    @classmethod
    def rebuild_from_dataset(
        cls, output_dir: str | Path | Location, params: NearDupParams | None = None
    ) -> NearDuplicateIndex:
        """Recompute every signature from the ``body``, ``id`` and ``duplicate_of`` columns."""
        started = time.perf_counter()
        index = cls(params)
        n = index.add_from_files(dataset_files(output_dir))
        logger.debug("Near-duplicate index rebuilt from the dataset: %d documents in %.1fs",
                    n, time.perf_counter() - started)  # fmt: skip
        return index
