"""The memory of article URLs already stored, for incremental crawls.

A cron crawl lists the same feed entries every 15 minutes; fetching them again would cost the
sites and us for nothing. :class:`SeenStore` answers "is this URL already in the dataset?" for
any variant of it (tracking parameters, AMP, mobile host...), because it holds the 64-bit hashes
of the canonical forms of each record's ``url``, ``discovered_url`` and ``canonical_url``.

It is a cache of the dataset, rebuilt from it at start-up (:meth:`SeenStore.from_dataset`), so it
never disagrees with what is stored. 1M records take 8 MB and load in seconds.

Spiders reach the crawl's store through::

    from newsbot.identify.seen import get_seen

    seen = get_seen(self.crawler)          # None when NEWSBOT_SEEN_ENABLED is False
    if seen is not None and url in seen:   # any URL variant; canonicalized inside
        ...                                # already stored: don't request it

The identity pipeline claims the URLs of every record it lets through (:meth:`UrlMemory.claim`),
so a URL stored earlier in the same run is also seen. A claim is not a record on disk: a store
that outlives the run (the cluster's, in Redis) turns claims into "stored" only when the store
pipeline's ``records_stored`` signal says the rows are in place, and forgets the rest when the
engine stops, so a record a failed write left out is fetched again by the next run.

Settings: ``NEWSBOT_SEEN_ENABLED`` (default True); ``NEWSBOT_REFETCH_AFTER_DAYS`` (default 0 =
never): records fetched longer ago than this are not considered seen, so their pages are
fetched and stored again on purpose. A Redis-backed store for several processes
(``NEWSBOT_REDIS_URL``) implements :class:`UrlMemory` and is returned by :func:`open_seen_store`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from newsbot.config.declared import getbool, getfloat
from newsbot.identify.canonical import canonicalize
from newsbot.identify.dataset import dataset_files, iter_batches
from newsbot.identify.sortedarrays import merge_sorted
from newsbot.storage.location import Location, output_location

logger = logging.getLogger(__name__)

_COLUMNS = ("url", "canonical_url", "discovered_url")

#: Reject reasons that fetching the page again would not change: a run remembers these URLs
#: (from ``DIR/rejects/``) like stored ones, so a cron crawl does not fetch a 404, a video page,
#: a page over the download size cap or a redirect to an article it already has every 15 minutes.
#: Transient failures (network, dns, 5xx, 429, timeouts, robots.txt) are retried by the next run.
SETTLED_REJECTS = (
    "duplicate", "http_404", "http_410", "not_html", "empty", "too_short", "not_article",
    "unparseable", "language", "relevance", "blocked_address", "too_large",
)  # fmt: skip


@runtime_checkable
class UrlMemory(Protocol):
    """What the spider and the identity pipeline need from a seen-URL store."""

    def __contains__(self, url: object) -> bool: ...

    def contains_canonical(self, canonical_url: str) -> bool: ...

    def add(self, *urls: str | None) -> None: ...

    def add_canonical(self, *canonical_urls: str | None) -> None: ...

    def claim(self, article_id: str, *canonical_urls: str) -> None: ...

    def __len__(self) -> int: ...


def record_variants(url: str, canonical_url: str, discovered_url: str | None) -> set[str]:
    """The canonical forms a record is remembered by: its canonical URL, and the canonical forms
    of the URL it was fetched from and of the one it was listed as."""
    variants = {canonical_url, canonicalize(url)}
    if discovered_url:
        variants.add(canonicalize(discovered_url))
    return variants


def url_hash(canonical_url: str) -> int:
    """64-bit hash of a canonical URL; stable across processes (unlike ``hash()``).

    At 10M URLs the chance that a new URL collides with a stored one is 10M / 2**64, about 5e-13.
    """
    return int.from_bytes(hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=8).digest(), "little")


#: New hashes kept in a set before they are merged into the sorted array.
_ADDED_MAX = 8_192


class SeenStore:
    """A set of canonical-URL hashes: a sorted ``uint64`` array from the dataset plus new additions."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> UrlMemory:
        """``NEWSBOT_SEEN_STORE_CLASS``: the store rebuilt from the crawl's dataset."""
        if not getbool(crawler.settings, "NEWSBOT_SEEN_ENABLED"):
            raise NotConfigured
        return open_seen_store(crawler.settings)

    def __init__(self, hashes: np.ndarray | Iterable[int] | None = None) -> None:
        if hashes is None:
            arr = np.empty(0, dtype=np.uint64)
        elif isinstance(hashes, np.ndarray):
            arr = hashes.astype(np.uint64, copy=False)
        else:
            arr = np.fromiter(hashes, dtype=np.uint64)
        self._sorted: np.ndarray = np.unique(arr)
        self._added: set[int] = set()

    # --- lookups ---------------------------------------------------------------------------
    def _has_hash(self, h: int) -> bool:
        if h in self._added:
            return True
        arr = self._sorted
        if not len(arr):
            return False
        i = int(np.searchsorted(arr, np.uint64(h)))
        return i < len(arr) and int(arr[i]) == h

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str) or not url:
            return False
        return self._has_hash(url_hash(canonicalize(url)))

    def contains_canonical(self, canonical_url: str) -> bool:
        """Membership of a URL that is already canonical (skips :func:`canonicalize`)."""
        return self._has_hash(url_hash(canonical_url))

    def __len__(self) -> int:
        return len(self._sorted) + len(self._added)

    # --- updates ---------------------------------------------------------------------------
    def add(self, *urls: str | None) -> None:
        """Remember URLs (any variant; ``None`` and empty strings are ignored)."""
        self.add_canonical(*(canonicalize(u) for u in urls if u))

    def add_canonical(self, *canonical_urls: str | None) -> None:
        for u in canonical_urls:
            if u:
                h = url_hash(u)
                if not self._has_hash(h):
                    self._added.add(h)
        if len(self._added) >= _ADDED_MAX:
            # A Python int in a set costs ~60 bytes, 8 in the array: fold them in now and then.
            added = np.sort(np.fromiter(self._added, dtype=np.uint64))
            self._sorted = merge_sorted(self._sorted, added)
            self._added = set()

    def claim(self, article_id: str, *canonical_urls: str) -> None:
        """Seen for the rest of the run. Only the dataset outlives the run (the next one is built
        from it), so a record that never reaches the disk is unseen again then."""
        self.add_canonical(*canonical_urls)

    # --- building --------------------------------------------------------------------------
    @classmethod
    def from_dataset(
        cls,
        output_dir: str | Path | Location,
        *,
        refetch_older_than: timedelta | None = None,
        now: datetime | None = None,
    ) -> SeenStore:
        """The store of every record under ``output_dir/articles`` (an absent dataset gives an empty one).

        With ``refetch_older_than``, records fetched before ``now - refetch_older_than`` are left
        out, so their URLs are fetched again.
        """
        started = time.perf_counter()
        files = dataset_files(output_dir)
        filter_expr: ds.Expression | None = None
        if refetch_older_than is not None:
            cutoff = (now or datetime.now(UTC)) - refetch_older_than
            filter_expr = ds.field("fetched_at") >= pa.scalar(cutoff, type=pa.timestamp("us", tz="UTC"))
        hashes: list[np.ndarray] = []
        rows = 0
        for batch in iter_batches(files, _COLUMNS, filter=filter_expr):
            rows += batch.num_rows
            hashes.append(_batch_hashes(batch))
        reject_files = dataset_files(output_dir, "rejects")
        settled = ds.field("reason").isin(list(SETTLED_REJECTS))
        if refetch_older_than is not None:
            settled &= ds.field("time") >= pa.scalar(cutoff, type=pa.timestamp("us", tz="UTC"))
        for batch in iter_batches(
            reject_files, ("url", "discovered_url"), filter=settled, filter_columns=("reason", "time")
        ):
            rows += batch.num_rows
            hashes.append(_batch_hashes(batch))
        store = cls(np.concatenate(hashes) if hashes else None)
        logger.debug(
            "Seen-URL memory: %d URLs of %d records and settled rejects in %d files loaded in %.1fs",
            len(store), rows, len(files) + len(reject_files), time.perf_counter() - started,
        )  # fmt: skip
        return store


def _batch_hashes(batch: pa.RecordBatch) -> np.ndarray:
    """Hashes of the canonical URLs of one batch.

    ``canonical_url`` is already canonical; ``url`` and ``discovered_url`` usually equal it or
    each other, so only the distinct other values go through :func:`canonicalize` (the slow part).
    """
    names = batch.schema.names
    canonical = pc.unique(batch.column("canonical_url").drop_null()) if "canonical_url" in names else None
    known = set(canonical.to_pylist()) if canonical is not None else set()
    others: set[str] = set()
    for name in ("url", "discovered_url"):
        if name in names:
            others.update(v for v in pc.unique(batch.column(name).drop_null()).to_pylist() if v not in known)
    urls = known | {canonicalize(u) for u in others}
    return np.fromiter((url_hash(u) for u in urls), dtype=np.uint64, count=len(urls))


def refetch_after(settings: BaseSettings) -> timedelta | None:
    days = getfloat(settings, "NEWSBOT_REFETCH_AFTER_DAYS")
    return timedelta(days=days) if days > 0 else None


def open_seen_store(settings: BaseSettings) -> UrlMemory:
    """The seen-URL store of one process, rebuilt from the dataset (the Redis add-on chooses
    :class:`newsbot.scaleout.seen.RedisSeenStore` instead, through ``NEWSBOT_SEEN_STORE_CLASS``)."""
    return SeenStore.from_dataset(output_location(settings), refetch_older_than=refetch_after(settings))


def get_seen(crawler: Any) -> UrlMemory | None:
    """The crawl's seen-URL store (the ``NEWSBOT_SEEN_STORE_CLASS`` component), shared by the
    spider and the pipelines; None when ``NEWSBOT_SEEN_ENABLED`` is False."""
    from newsbot.extensions.components import component

    return component(crawler, "NEWSBOT_SEEN_STORE_CLASS")  # type: ignore[no-any-return]
