"""Discovered articles wait here, not in Scrapy's scheduler, once the scheduler holds enough.

A news sitemap lists up to 1,000 articles and a sitemap index can lead to hundreds of thousands.
Scrapy schedules every request a callback yields at once, and a queued request costs ~1.5 KB
(its headers, meta, fingerprint and URL caches): the crawl's memory grew with the size of what it
had discovered, not with what it was working on (10,000 listed pages: ~15 MB more than 2,000).

The spider hands each admitted article to :meth:`Backlog.submit`. While the scheduler holds fewer
than ``NEWSBOT_MAX_SCHEDULED`` requests, the request is built and yielded at once, as before;
otherwise the spider's small record of it waits here, in discovery order, and its request is
built and handed to the engine as the scheduler drains: each time the downloader takes a request,
and whenever the spider would otherwise go idle (which it then does not: ``DontCloseSpider``).

Only Scrapy's own in-memory scheduler is watched: a disk queue (``JOBDIR``) or a shared Redis
queue (scale-out) keep their requests out of memory already, and are fed as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from scrapy import Request, signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object

from newsbot.config.declared import getint

T = TypeVar("T")


class Backlog(Generic[T]):
    """Records of requests held back until the scheduler has room; ``build`` makes the request."""

    def __init__(self, crawler: Crawler, build: Callable[[T], Request], limit: int) -> None:
        self.crawler = crawler
        self.build = build
        self.limit = limit
        self.held: deque[T] = deque()
        settings = crawler.settings
        # Only Scrapy's own scheduler keeping its queue in memory, chosen from the public settings
        # (SCHEDULER, JOBDIR) rather than from its attributes: a subclass (scrapy-redis's, the
        # scale-out ClusterScheduler) keeps its queue in Redis, a JOBDIR crawl on disk.
        self._watched = load_object(settings["SCHEDULER"]) is Scheduler and not settings.get("JOBDIR")
        if limit > 0:
            crawler.signals.connect(self._release, signal=signals.request_reached_downloader)
            crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler, build: Callable[[T], Request]) -> Backlog[T]:
        limit = getint(crawler.settings, "NEWSBOT_MAX_SCHEDULED")
        return cls(crawler, build, limit)

    def _room(self) -> int | None:
        """How many more requests the scheduler may hold; None if it is not one to watch."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if scheduler is None or not self._watched:
            return None
        return self.limit - len(scheduler)  # Scrapy's public Scheduler.__len__

    def submit(self, record: T) -> Request | None:
        """The request to yield now, or None when it waits in the backlog."""
        if self.limit <= 0:
            return self.build(record)
        if not self.held:
            room = self._room()
            if room is None or room > 0:
                return self.build(record)
        self.held.append(record)
        stats = self.crawler.stats
        stats.inc_value("newsbot/discovery/backlog/held")
        stats.max_value("newsbot/discovery/backlog/max", len(self.held))
        return None

    def _release(self, *_: Any, **__: Any) -> int:
        if not self.held:
            return 0
        room = self._room()
        if room is None:  # the scheduler was replaced: hand everything over
            room = len(self.held)
        released = 0
        engine = self.crawler.engine
        while self.held and released < room:
            engine.crawl(self.build(self.held.popleft()))
            released += 1
        if released:  # held - released: the backlog's size, for the progress figures
            self.crawler.stats.inc_value("newsbot/discovery/backlog/released", released)
        return released

    def _on_idle(self, *_: Any, **__: Any) -> None:
        if self.held:
            self._release()
            raise DontCloseSpider
