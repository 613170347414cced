"""How long the reactor went without running its timers: CPU work done in the main thread.

The CPU-heavy stages run in worker processes so that downloads, timeouts and the other pages
keep moving; this extension checks that they do. A 50 ms timer notes how late each tick fires:
the largest delay is ``newsbot/reactor/max_lag_ms``, the ticks more than 100 ms late are
counted in ``newsbot/reactor/lags_over_100ms`` and the last of them is
``newsbot/reactor/last_lag_over_100ms_at_s`` seconds after the spider opened (all in the run
summary and Scrapy's stats).
``NEWSBOT_REACTOR_LAG_ENABLED`` (default True) switches it off.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.05
LAG_LIMIT_MS = 100


class ReactorLag:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self._timer: task.LoopingCall | None = None
        self._due = self._opened = 0.0
        self.max_lag_ms = 0.0
        self.over_limit = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReactorLag:
        if not crawler.settings.getbool("NEWSBOT_REACTOR_LAG_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self) -> None:
        self._opened = time.monotonic()
        self._due = self._opened + TICK_SECONDS
        self._timer = task.LoopingCall(self.tick)
        self._timer.start(TICK_SECONDS, now=False)

    def tick(self) -> None:
        now = time.monotonic()
        lag_ms = max(0.0, (now - self._due) * 1000)
        self._due = now + TICK_SECONDS
        if lag_ms > self.max_lag_ms:
            self.max_lag_ms = lag_ms
            self.stats.set_value("newsbot/reactor/max_lag_ms", round(lag_ms, 1))
        if lag_ms > LAG_LIMIT_MS:
            logger.info("The reactor ran %.0f ms late (CPU work or a busy machine)", lag_ms)
            self.over_limit += 1
            self.stats.set_value("newsbot/reactor/lags_over_100ms", self.over_limit)
            self.stats.set_value("newsbot/reactor/last_lag_over_100ms_at_s", round(now - self._opened, 1))

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.stats.set_value("newsbot/reactor/max_lag_ms", round(self.max_lag_ms, 1))
        self.stats.set_value("newsbot/reactor/lags_over_100ms", self.over_limit)
