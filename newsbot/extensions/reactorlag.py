"""How long the reactor went without running its timers: CPU work done in the main thread.

The CPU-heavy stages run in worker processes so that downloads, timeouts and the other pages
keep moving; this extension checks that they do. A 50 ms timer notes how late each tick fires:
the largest delay is ``newsbot/reactor/max_lag_ms``, the 99th percentile of the delays of all
ticks ``newsbot/reactor/p99_lag_ms`` (whole ms, set when the spider closes), the ticks more than
100 ms late are counted in ``newsbot/reactor/lags_over_100ms`` and the last of them is
``newsbot/reactor/last_lag_over_100ms_at_s`` seconds after the engine started (all in the run
summary and Scrapy's stats).
``NEWSBOT_REACTOR_LAG_ENABLED`` (default True) switches it off.
"""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from newsbot.config.declared import getbool

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.05
LAG_LIMIT_MS = 100


class ReactorLag:
    """Each tick schedules the next one ``TICK_SECONDS`` later and notes how late it ran."""

    def __init__(self, crawler: Crawler, clock: IReactorTime | None = None) -> None:
        self.stats = crawler.stats
        self._clock = clock
        self._call: IDelayedCall | None = None
        self._due = self._started = 0.0
        #: ticks by whole milliseconds late: a bounded histogram however long the crawl runs
        self._lags: Counter[int] = Counter()
        # From when the engine starts: the start-up work of spider_opened handlers (gc.freeze's
        # full collection) delays no request, none being in flight yet.
        crawler.signals.connect(self.start, signal=signals.engine_started)
        crawler.signals.connect(self.stop, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReactorLag:
        if not getbool(crawler.settings, "NEWSBOT_REACTOR_LAG_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def start(self) -> None:
        if self._clock is None:
            from twisted.internet import reactor

            self._clock = reactor  # type: ignore[assignment]
        assert self._clock is not None
        self._started = self._clock.seconds()
        self._schedule()

    def _schedule(self) -> None:
        assert self._clock is not None
        self._due = self._clock.seconds() + TICK_SECONDS
        self._call = self._clock.callLater(TICK_SECONDS, self.tick)

    def tick(self) -> None:
        assert self._clock is not None
        now = self._clock.seconds()
        lag_ms = max(0.0, (now - self._due) * 1000)
        self._schedule()
        self.stats.max_value("newsbot/reactor/max_lag_ms", round(lag_ms, 1))
        self._lags[round(lag_ms)] += 1
        if lag_ms > LAG_LIMIT_MS:
            # counted in the summary; one line each would flood a busy machine's log
            logger.debug("The reactor ran %.0f ms late (CPU work or a busy machine)", lag_ms)
            self.stats.inc_value("newsbot/reactor/lags_over_100ms")
            self.stats.set_value("newsbot/reactor/last_lag_over_100ms_at_s", round(now - self._started, 1))

    def p99(self) -> int | None:
        """The delay (whole ms) that 99% of the ticks so far did not exceed."""
        total = sum(self._lags.values())
        if not total:
            return None
        rank, seen = 0.99 * total, 0
        for ms in sorted(self._lags):
            seen += self._lags[ms]
            if seen >= rank:
                return ms
        return max(self._lags)

    def stop(self) -> None:
        if self._call is not None and self._call.active():
            self._call.cancel()
        p99 = self.p99()
        if p99 is not None:
            self.stats.set_value("newsbot/reactor/p99_lag_ms", p99)
