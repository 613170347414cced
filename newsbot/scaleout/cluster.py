"""The cluster side of a crawl process: worker registry, shared state, closing together.

With one shared queue, a process can run out of work while another is still parsing a sitemap
that will fill the queue again; Scrapy would close the idle one at once. :class:`ClusterCoordinator`
registers each process as a worker (``<prefix>:<spider>:worker:<run_id>``, ``busy`` or ``idle``,
refreshed every ``NEWSBOT_REDIS_HEARTBEAT`` seconds and expiring after three missed beats, so a
killed process stops counting) and keeps an idle process open while the shared queue has
requests or another worker is busy. A process closes once the queue is empty and every worker
has been idle for ``NEWSBOT_REDIS_IDLE_CLOSE`` seconds.

The Redis-backed seen-URL memory and near-duplicate index are chosen by the add-on
(``NEWSBOT_SEEN_STORE_CLASS``, ``NEWSBOT_NEARDUP_INDEX_CLASS``, :mod:`newsbot.scaleout.addon`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from newsbot.compat import wake_engine
from newsbot.config.declared import getfloat
from newsbot.config.run import run_id
from newsbot.scaleout.keys import Keys, connect, redis_url

logger = logging.getLogger(__name__)

BUSY, IDLE = b"busy", b"idle"


class ClusterCoordinator:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = redis_url(settings)
        if not url:
            raise NotConfigured
        self.crawler = crawler
        self.client = connect(url)
        self.keys = Keys.from_settings(settings)
        self.run_id = run_id(crawler)
        self.heartbeat = getfloat(settings, "NEWSBOT_REDIS_HEARTBEAT")
        self.idle_close = getfloat(settings, "NEWSBOT_REDIS_IDLE_CLOSE")
        self._state = BUSY
        self._idle_since: float | None = None
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.request_reached_downloader, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterCoordinator:
        return cls(crawler)

    # --- worker registry -------------------------------------------------------------------
    @property
    def _spider_name(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider is not None else str(self.crawler.spidercls.name)

    def _publish(self) -> None:
        key = self.keys.worker(self._spider_name, self.run_id)
        self.client.set(key, self._state, px=int(self.heartbeat * 3000))

    def _set_state(self, state: bytes) -> None:
        if state != self._state:
            self._state = state
            self._publish()

    def _others_busy(self) -> bool:
        me = self.keys.worker(self._spider_name, self.run_id).encode()
        names = [
            k for k in self.client.scan_iter(match=self.keys.workers_pattern(self._spider_name)) if k != me
        ]
        return any(state == BUSY for state in (self.client.mget(names) if names else []))

    def _queue_length(self) -> int:
        return int(self.client.zcard(self.keys.requests(self._spider_name)))

    def _nudge(self) -> None:
        """Make the engine look at the scheduler now instead of at its next 5-second heartbeat.

        Scrapy has no public call for this (:func:`newsbot.compat.wake_engine`); without it the
        crawl is only slower.
        """
        wake_engine(self.crawler.engine)

    # --- signals ---------------------------------------------------------------------------
    def spider_opened(self) -> None:
        self._publish()
        self._loop = task.LoopingCall(self._beat)
        self._loop.start(self.heartbeat, now=False)

    def request_reached_downloader(self, request: Request) -> None:
        self._idle_since = None
        self._set_state(BUSY)

    def _beat(self) -> None:
        try:
            self._publish()
            if self._state == IDLE and (self._queue_length() or self._may_close()):
                self._nudge()
        except Exception:  # a Redis hiccup must not kill the heartbeat loop
            logger.warning("Cluster heartbeat failed", exc_info=True)

    def _may_close(self) -> bool:
        return (
            self._idle_since is not None
            and time.monotonic() - self._idle_since >= self.idle_close
            and not self._queue_length()
            and not self._others_busy()
        )

    def spider_idle(self) -> None:
        if self._idle_since is None:
            self._idle_since = time.monotonic()
        self._set_state(IDLE)
        if self._queue_length():
            self._nudge()
            raise DontCloseSpider
        if not self._may_close():
            self.crawler.stats.set_value("newsbot/cluster/waiting_for_others", True)
            raise DontCloseSpider

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        try:
            self.client.delete(self.keys.worker(self._spider_name, self.run_id))
        except Exception:
            logger.warning("Cannot unregister worker %s", self.run_id, exc_info=True)
        stats: Any = self.crawler.stats
        logger.info(
            "Cluster worker %s done: %s requests from the shared queue",
            self.run_id, stats.get_value("scheduler/dequeued/redis", 0),
        )  # fmt: skip
