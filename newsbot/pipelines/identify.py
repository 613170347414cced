"""Identify: canonical URL, id, seen-URL deduplication and near-duplicate links.

``IdentityPipeline`` gives each record its ``canonical_url`` and ``id`` and drops a page whose
article is already stored (this run or an earlier one), so one record exists per article
whichever URL variant, redirect or feed led there. ``NearDuplicatePipeline`` links syndicated
copies to the earliest stored member of their cluster through ``duplicate_of``; copies are kept.

Both run after extraction, cleaning and finalize (they need the page's ``rel=canonical`` and the
clean body)::

    ITEM_PIPELINES = {
        ...
        "newsbot.pipelines.identify.IdentityPipeline": 400,
        "newsbot.pipelines.identify.NearDuplicatePipeline": 410,
        "newsbot.pipelines.store.ParquetStorePipeline": 900,
    }

The seen-URL memory is shared with the spider through
:func:`newsbot.identify.seen.get_seen` ``(crawler)``, so listed URLs already stored are skipped
before they are requested. The near-duplicate index is cached in
``<NEWSBOT_OUTPUT_DIR>/state/neardup.npz``: saved every ``NEWSBOT_NEARDUP_SAVE_EVERY`` items and
when the spider closes, rebuilt from the dataset when missing or unreadable, and brought up to
date from dataset files newer than it (another process, or the store's last flush, wrote them).

Settings: ``NEWSBOT_IDENTIFY_ENABLED``, ``NEWSBOT_SEEN_ENABLED``, ``NEWSBOT_REFETCH_AFTER_DAYS``,
``NEWSBOT_NEARDUP_ENABLED``, ``NEWSBOT_NEARDUP_THRESHOLD``, ``NEWSBOT_NEARDUP_SAVE_EVERY``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot.config.declared import getbool, getfloat, getint
from newsbot.config.run import state_location
from newsbot.extensions.components import component
from newsbot.identify.canonical import article_id, choose_canonical
from newsbot.identify.dataset import dataset_files
from newsbot.identify.neardup import NearDuplicateIndex, NearDupParams, SignatureIndex, UnreadableState
from newsbot.identify.seen import get_seen, record_variants
from newsbot.identify.shingles import content_hash
from newsbot.pipelines.page import page_of
from newsbot.process.build import build_plan
from newsbot.process.stages import shingles
from newsbot.storage.location import LocatedFile, Location, output_location
from newsbot.storage.quarantine import quarantine
from newsbot.storage.text import count_words

logger = logging.getLogger(__name__)

STATE_FILE = "neardup.npz"
# Files modified this close before the state was saved may not be in it (coarse mtimes, a flush
# racing the save); re-reading them is harmless because known ids are skipped.
_MTIME_SLACK = 2.0


def body_of(adapter: ItemAdapter) -> str:
    return adapter.get("body") or "\n".join(adapter.get("paragraphs") or [])


class IdentityPipeline:
    def __init__(self, crawler: Crawler) -> None:
        if not getbool(crawler.settings, "NEWSBOT_IDENTIFY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen = get_seen(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdentityPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        hints = a.get("hints") or {}
        url = a["url"]
        canonical = choose_canonical(url, hints.get("rel_canonical"), hints.get("og_url"))
        a["canonical_url"] = canonical
        a["id"] = article_id(canonical)
        if not a.get("content_hash"):  # FinalizePipeline sets both; not when run on its own
            body = body_of(a)
            a["content_hash"] = content_hash(body)
            a["word_count"] = count_words(body)
        if self.seen is None:
            return item
        variants = record_variants(url, canonical, a.get("discovered_url"))
        # No await between the check and the add: concurrent items cannot both pass.
        if any(self.seen.contains_canonical(v) for v in variants):
            self.stats.inc_value("newsbot/dropped/seen")
            raise DropItem(f"duplicate:url {canonical} is already stored")
        self.seen.claim(a["id"], *variants)
        return item


def load_index(state_path: LocatedFile, data_dir: Location, params: NearDupParams) -> NearDuplicateIndex:
    """The cached index, caught up with newer dataset files; rebuilt when missing or unusable."""
    files = dataset_files(data_dir)
    saved_at = state_path.mtime()
    if saved_at is not None:
        try:
            index = NearDuplicateIndex.load(state_path, params)
        except UnreadableState as exc:
            quarantine(state_path, str(exc))  # kept for a look, out of the way of the next run
            logger.warning("Rebuilding the near-duplicate index from the dataset")
        except ValueError as exc:
            logger.warning("Rebuilding the near-duplicate index: %s", exc)
        else:
            saved = saved_at - _MTIME_SLACK
            newer = [f for f in files if f.mtime >= saved]
            if newer:
                started = time.perf_counter()
                n = index.add_from_files(newer, skip_known=True)
                logger.debug(
                    "Near-duplicate index: %d documents from %d newer dataset files in %.1fs",
                    n, len(newer), time.perf_counter() - started,
                )  # fmt: skip
            return index
    return NearDuplicateIndex.rebuild_from_dataset(data_dir, params)


class FileIndex:
    """``NEWSBOT_NEARDUP_INDEX_CLASS`` of one process: the index cached in
    ``DIR/state/neardup.npz``, caught up with newer dataset files (:func:`load_index`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicateIndex:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_NEARDUP_ENABLED"):
            raise NotConfigured
        params = NearDupParams(threshold=getfloat(settings, "NEWSBOT_NEARDUP_THRESHOLD"))
        return load_index(state_location(settings).file(STATE_FILE), output_location(settings), params)


class NearDuplicatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_NEARDUP_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.params = NearDupParams(threshold=getfloat(settings, "NEWSBOT_NEARDUP_THRESHOLD"))
        self.save_every = getint(settings, "NEWSBOT_NEARDUP_SAVE_EVERY")
        self.data_dir = output_location(settings)
        self.state_path = state_location(settings).file(STATE_FILE)
        self.index: SignatureIndex | None = None
        self._since_save = 0
        self.plan = build_plan(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicatePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.index = component(self.crawler, "NEWSBOT_NEARDUP_INDEX_CLASS")

    def close_spider(self) -> None:
        self.save()

    def save(self) -> None:
        if isinstance(self.index, NearDuplicateIndex):
            try:
                self.index.save(self.state_path)
            except OSError as exc:  # a cache: the next run catches up from the dataset
                logger.warning("Could not save the near-duplicate index %s: %s", self.state_path, exc)
        self._since_save = 0

    async def process_item(self, item: Any) -> Any:
        if self.index is None:
            self.open_spider()
        assert self.index is not None
        a = ItemAdapter(item)
        page = page_of(a, self.plan, "shingles")
        if page.final_body != a.get("body") or page.shingles is None and "shingles" not in self.plan.names:
            # The body is not the one the page's worker call shingled (a pipeline in between
            # changed it, or the plan has no shingles stage): shingle the stored body here.
            page = page_of(ItemAdapter({"url": a["url"], "body": body_of(a)}), self.plan)
            shingles(page, self.plan)
        hashes = page.shingles
        sig = None if hashes is None else self.index.signature_from_hashes(hashes)
        if sig is None:
            self.stats.inc_value("newsbot/duplicates/too_short")
            return item
        match = self.index.add(a["id"], sig, a.get("content_hash"))
        # A deliberate re-fetch (NEWSBOT_REFETCH_AFTER_DAYS) matches its own earlier record.
        if match is not None and match.id != a["id"]:
            a["duplicate_of"] = match.id
            self.stats.inc_value("newsbot/duplicates/exact" if match.exact else "newsbot/duplicates/near")
        self._since_save += 1
        if self.save_every > 0 and self._since_save >= self.save_every:
            self.save()
        return item
