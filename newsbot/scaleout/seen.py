"""The seen-article memory in Redis, shared by every process writing one dataset.

Implements :class:`newsbot.identify.seen.UrlMemory` (what the spider and the identity pipeline
use through :func:`newsbot.identify.seen.get_seen`) over :class:`~newsbot.scaleout.buckets.HashBuckets`:
the key is the same 64-bit hash of the canonical URL as the in-process ``SeenStore``, the value
the day (days since 1970-01-01, UTC) the record was stored. ``NEWSBOT_REFETCH_AFTER_DAYS`` is
applied on lookup: an entry older than that is not "seen", and storing the page again refreshes it.

A record the identity pipeline lets through is first only *claimed* (:meth:`RedisSeenStore.claim`):
its hashes go to ``<prefix>:seen-claims``, which expire, so the other processes skip it while it
waits in this one's write buffer. It becomes stored when the store pipeline's ``records_stored``
signal says its row is on disk; the claims still open when the engine stops (a failed write, an
item dropped after identify) are deleted, and those of a killed process expire. Marking at
identify time, as this store did, made a record a full disk never wrote "seen" for good: no later
run fetched it again.

Like the in-process store it is a cache of the dataset. The first process that finds the memory
empty (no ``<prefix>:seen-loaded`` marker) loads it from the dataset while the others wait; a
flushed or lost Redis is therefore rebuilt by the next crawl.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot import signals as nb_signals
from newsbot.config.declared import getbool, getfloat, getint
from newsbot.identify.canonical import canonicalize
from newsbot.identify.seen import SeenStore, record_variants, url_hash
from newsbot.scaleout.buckets import HashBuckets
from newsbot.scaleout.keys import Keys
from newsbot.storage.location import Location

logger = logging.getLogger(__name__)

_LOAD_LEASE_MS = 10 * 60 * 1000  # a loader that dies mid-load gives the job to the next process
#: A claim outlives the write buffer it waits in (several flush intervals), and a killed
#: process's claims stop hiding their URLs from the next run soon after.
_MIN_CLAIM_SECONDS = 600.0


def today(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // 86400)


class RedisSeenStore:
    """Canonical-URL hashes of stored records, with the day each was stored."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenStore:
        """``NEWSBOT_SEEN_STORE_CLASS`` with the Redis add-on: the cluster's store, loaded from the
        dataset by the first process that finds it empty."""
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_SEEN_ENABLED"):
            raise NotConfigured
        from newsbot.config.run import run_id
        from newsbot.identify.seen import refetch_after
        from newsbot.scaleout.keys import connect, redis_url
        from newsbot.storage.location import output_location

        store = cls(
            connect(redis_url(settings)),
            Keys.from_settings(settings),
            refetch_after=refetch_after(settings),
            bucket_bits=getint(settings, "NEWSBOT_REDIS_BUCKET_BITS"),
            claim_seconds=max(_MIN_CLAIM_SECONDS, 4 * getfloat(settings, "NEWSBOT_FLUSH_INTERVAL")),
        )
        store.ensure_loaded(output_location(settings), owner=run_id(crawler))
        crawler.signals.connect(store.records_stored, signal=nb_signals.records_stored)
        # engine_stopped comes after every spider_closed handler, the store's last flush included.
        crawler.signals.connect(store.release_claims, signal=signals.engine_stopped)
        crawler.signals.connect(store.release_claims, signal=nb_signals.stop_now)
        return store

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        *,
        refetch_after: timedelta | None = None,
        bucket_bits: int = 16,
        claim_seconds: float = _MIN_CLAIM_SECONDS,
    ) -> None:
        self.client = client
        self.keys = keys
        self.refetch_days = refetch_after.total_seconds() / 86400 if refetch_after else None
        self.buckets = HashBuckets(client, keys.seen, ttl=0, bucket_bits=bucket_bits)
        self.claims = HashBuckets(
            client, keys.seen_claims, ttl=claim_seconds, window=claim_seconds, bucket_bits=bucket_bits
        )
        #: hashes claimed by this process, by article id, until their row is on disk
        self._claimed: dict[str, list[int]] = {}

    # --- UrlMemory -------------------------------------------------------------------------
    def _has_hash(self, h: int) -> bool:
        """Stored (and not due for a refetch) or claimed by a process: one round trip."""
        stored_keys, stored_field = self.buckets.lookup_keys(h)
        claim_keys, claim_field = self.claims.lookup_keys(h)
        pipe = self.client.pipeline(transaction=False)
        for key in stored_keys:
            pipe.hget(key, stored_field)
        for key in claim_keys:
            pipe.hget(key, claim_field)
        values = pipe.execute()
        if any(v is not None for v in values[len(stored_keys) :]):
            return True
        value = next((v for v in reversed(values[: len(stored_keys)]) if v is not None), None)
        if value is None:
            return False
        if self.refetch_days is None:
            return True
        return today() - int(value) < self.refetch_days

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str) or not url:
            return False
        return self._has_hash(url_hash(canonicalize(url)))

    def contains_canonical(self, canonical_url: str) -> bool:
        return self._has_hash(url_hash(canonical_url))

    def add(self, *urls: str | None) -> None:
        self.add_canonical(*(canonicalize(u) for u in urls if u))

    def add_canonical(self, *canonical_urls: str | None) -> None:
        hashes = [url_hash(u) for u in canonical_urls if u]
        if hashes:
            self.add_hashes(hashes)

    def add_hashes(self, hashes: Iterable[int], day: int | None = None) -> None:
        self.buckets.set_many(list(hashes), str(today() if day is None else day))

    def claim(self, article_id: str, *canonical_urls: str) -> None:
        """Seen by every process from now on, stored only once :meth:`records_stored` says so."""
        hashes = [url_hash(u) for u in canonical_urls if u]
        if hashes:
            self._claimed[article_id] = hashes
            self.claims.set_many(hashes, b"1")

    # --- signals ---------------------------------------------------------------------------
    def records_stored(self, rows: list[dict[str, Any]], **_: object) -> None:
        """Rows on disk: their claims become stored entries."""
        hashes: list[int] = []
        for row in rows:
            claimed = self._claimed.pop(str(row.get("id")), None)
            if claimed is None:  # claimed before a release, or by a store without claims
                variants = record_variants(row["url"], row["canonical_url"], row.get("discovered_url"))
                claimed = [url_hash(v) for v in variants]
            hashes.extend(claimed)
        if hashes:
            self.add_hashes(hashes)
            self.claims.discard_many(hashes)

    def release_claims(self, **_: object) -> None:
        """Forget the claims of records that never reached the disk: the next run fetches them."""
        if not self._claimed:
            return
        claimed, self._claimed = self._claimed, {}
        self.claims.discard_many(h for hashes in claimed.values() for h in hashes)
        logger.info("Seen-URL memory in Redis: %d records not stored are not remembered", len(claimed))

    def __len__(self) -> int:
        """Entries stored (a SCAN over the keys: for logs and tests, not for hot paths)."""
        pipe = self.client.pipeline(transaction=False)
        for key in self.client.scan_iter(match=f"{self.keys.seen}:*", count=1000):
            pipe.hlen(key)
        return sum(int(n) for n in pipe.execute())

    # --- building --------------------------------------------------------------------------
    def ensure_loaded(
        self, output_dir: str | Path | Location, *, owner: str, timeout: float = 600.0, poll: float = 0.2
    ) -> bool:
        """Load the dataset's URLs unless another process did or is doing it; True if we loaded.

        Waits (up to ``timeout`` seconds) while another live process loads.
        """
        marker = self.keys.seen_loaded
        deadline = time.monotonic() + timeout
        while True:
            if self.client.set(marker, f"loading:{owner}", nx=True, px=_LOAD_LEASE_MS):
                try:
                    # refetch_older_than leaves out records that are due again, as SeenStore does.
                    refetch = timedelta(days=self.refetch_days) if self.refetch_days else None
                    local = SeenStore.from_dataset(output_dir, refetch_older_than=refetch)
                    hashes: np.ndarray = local._sorted  # noqa: SLF001 - the loaded hashes
                    self.add_hashes(int(h) for h in hashes.tolist())
                    self.client.set(marker, f"done:{owner}")
                except BaseException:
                    self.client.delete(marker)
                    raise
                logger.info("Seen-URL memory in Redis: loaded %d URLs from the dataset", len(hashes))
                return True
            state = self.client.get(marker)
            if state is not None and state.startswith(b"done"):
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"another process has been loading {marker} for over {timeout:.0f}s")
            time.sleep(poll)
