"""Take the objects that live as long as the crawl out of Python's cyclic garbage collection.

When the spider opens, everything loaded so far (modules, Scrapy's components, the lexicon, the
rules, the seen-URL memory, ...) stays until the process ends; still, every full collection walks
all of it: ~90 ms with the reactor stalled, every few seconds of a crawl. ``gc.freeze()`` moves
those objects to a generation that is never scanned (CPython's documented use of it), so full
collections only look at what the crawl allocates. ``NEWSBOT_GC_FREEZE`` (default True).
"""

from __future__ import annotations

import gc
import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.config.declared import getbool

logger = logging.getLogger(__name__)


class FreezeStartupObjects:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FreezeStartupObjects:
        if not getbool(crawler.settings, "NEWSBOT_GC_FREEZE"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self) -> None:
        gc.collect()  # what is garbage now should not be kept forever
        gc.freeze()
        self.stats.set_value("newsbot/gc/frozen_objects", gc.get_freeze_count())
        logger.debug("Froze %d start-up objects out of garbage collection", gc.get_freeze_count())
