"""The cluster's request dupefilter: scrapy-redis's, with expiring, compact fingerprints.

scrapy-redis 0.9.1's ``RFPDupeFilter`` keeps 40-hex SHA1 fingerprints of its own making in one
Redis set for ever and deletes the whole set when a crawl closes. Here:

* fingerprints come from the crawler's ``REQUEST_FINGERPRINTER`` (the same identity Scrapy's own
  dupefilter and HTTP cache use), truncated to 64 bits: at 10 million URLs the chance that a new
  URL is mistaken for a known one is about 5e-13;
* they live in :class:`~newsbot.scaleout.buckets.HashBuckets` that expire after
  ``NEWSBOT_REDIS_FINGERPRINT_TTL`` days, so a page can be fetched again after that (0: never);
* closing a crawl never deletes them: other processes, and the next cron run, rely on them.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from newsbot.config.declared import getfloat, getint
from newsbot.scaleout.buckets import HashBuckets
from newsbot.scaleout.keys import Keys, connect, redis_url

logger = logging.getLogger(__name__)

DAY = 86400.0


def fingerprint_window(ttl: float) -> float:
    """Width of a fingerprint time window: an eighth of the TTL, between a minute and a day."""
    return min(DAY, max(60.0, ttl / 8)) if ttl else DAY


class ExpiringRedisDupeFilter(RFPDupeFilter):
    """Shared by every process crawling the same spider against the same Redis."""

    def __init__(
        self,
        server: redis.Redis,
        key: str,
        debug: bool = False,
        *,
        crawler: Crawler | None = None,
        ttl: float = 7 * DAY,
        bucket_bits: int = 16,
    ) -> None:
        super().__init__(server, key, debug)
        self.crawler = crawler
        self.fingerprinter = crawler.request_fingerprinter if crawler is not None else None
        self.buckets = HashBuckets(
            server, key, ttl=ttl, window=fingerprint_window(ttl), bucket_bits=bucket_bits
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExpiringRedisDupeFilter:
        settings = crawler.settings
        url = redis_url(settings)
        if not url:
            raise ValueError("ExpiringRedisDupeFilter needs NEWSBOT_REDIS_URL")
        name = crawler.spider.name if crawler.spider is not None else crawler.spidercls.name
        return cls(
            connect(url),
            Keys.from_settings(settings).fingerprints(name),
            settings.getbool("DUPEFILTER_DEBUG"),
            crawler=crawler,
            ttl=getfloat(settings, "NEWSBOT_REDIS_FINGERPRINT_TTL") * DAY,
            bucket_bits=getint(settings, "NEWSBOT_REDIS_BUCKET_BITS"),
        )

    @classmethod
    def from_spider(cls, spider: Any) -> ExpiringRedisDupeFilter:
        """What scrapy-redis's scheduler calls in ``open()``."""
        return cls.from_crawler(spider.crawler)

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:
            return str(super().request_fingerprint(request))
        return self.fingerprinter.fingerprint(request).hex()

    @staticmethod
    def fingerprint_hash(fingerprint: str) -> int:
        return int(fingerprint[:16], 16)

    def request_seen(self, request: Request) -> bool:
        h = self.fingerprint_hash(self.request_fingerprint(request))
        return not self.buckets.add_if_absent(h)

    def clear(self) -> None:
        """Forget every fingerprint (``SCHEDULER_FLUSH_ON_START``, or an operator's reset)."""
        self.buckets.clear()

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: the parent deletes them, which would defeat the cluster."""
