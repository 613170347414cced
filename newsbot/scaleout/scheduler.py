"""The shared frontier: scrapy-redis's scheduler, fitted to Scrapy 2.19 and to newsbot's listings.

scrapy-redis 0.9.1 works with Scrapy 2.19 for what we use (its queue serialises with
``Request.to_dict``/``request_from_dict``, which 2.19 still has; the engine accepts any class
with ``enqueue_request``/``next_request``/``has_pending_requests``). What this subclass changes:

* stats without the ``spider`` argument Scrapy deprecated, under ``newsbot/cluster/...``;
* listings (feeds and sitemaps, ``meta["newsbot_listing"]``): every process's ``start()`` yields
  them with ``dont_filter=True`` because they are polled on every run. A claim per listing URL
  (``SET NX PX``, ``NEWSBOT_REDIS_LISTING_CLAIM`` seconds) lets the first process that schedules a
  listing in a poll window put it in the shared queue; the others drop their copy. Retries of a
  claimed listing pass (their ``retry_times`` is set);
* the dupefilter is closed by nobody: fingerprints outlive a process.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.scheduler import Scheduler

from newsbot.config.declared import getfloat
from newsbot.config.run import run_id
from newsbot.scaleout.keys import Keys

logger = logging.getLogger(__name__)


class ClusterScheduler(Scheduler):
    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterScheduler:
        instance = cls.from_settings(crawler.settings)
        instance.crawler = crawler
        instance.stats = crawler.stats
        instance.keys = Keys.from_settings(crawler.settings)
        instance.listing_claim_ms = int(getfloat(crawler.settings, "NEWSBOT_REDIS_LISTING_CLAIM") * 1000)
        return instance

    def open(self, spider: Any) -> None:
        super().open(spider)
        logger.info(
            "Shared frontier %s on %s (%d requests queued)",
            self.queue.key, self.crawler.settings.get("NEWSBOT_REDIS_URL"), len(self.queue),
        )  # fmt: skip

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _claim_listing(self, request: Request) -> bool:
        """True if this process may schedule the listing in this poll window."""
        if request.meta.get("retry_times") or self.listing_claim_ms <= 0:
            return True
        fp = self.df.request_fingerprint(request)
        key = self.keys.listing_claim(self.spider.name, fp)
        return bool(self.server.set(key, run_id(self.crawler), nx=True, px=self.listing_claim_ms))

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("newsbot_listing") and not self._claim_listing(request):
            logger.debug("Listing %s is claimed by another process", request.url)
            self._inc("newsbot/cluster/listings_claimed_elsewhere")
            return False
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self._inc("newsbot/cluster/duplicates_filtered")
            return False
        self.queue.push(request)
        self._inc("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self._inc("scheduler/dequeued/redis")
        return request  # type: ignore[no-any-return]

    def close(self, reason: str) -> None:
        # SCHEDULER_PERSIST (on by default here) keeps the queue for the other processes and the
        # next run; the fingerprints are kept either way (ExpiringRedisDupeFilter.close).
        if not self.persist:
            self.queue.clear()
