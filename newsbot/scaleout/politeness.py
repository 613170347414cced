"""Politeness across the cluster: one minimum interval per site, shared by every process.

Scrapy's ``DOWNLOAD_DELAY``, ``CONCURRENT_REQUESTS_PER_DOMAIN`` and AutoThrottle are per process:
N workers on one shared frontier would hit a site N times as hard. Before a request leaves,
:class:`ClusterDomainDelayMiddleware` takes the site's slot in Redis
(``SET <prefix>:slot:<host> <run id> NX PX <delay ms>``); the slot frees itself after the delay.
A process that does not get it waits for the slot's remaining time (``PTTL``) and tries again, so
requests to one host from the whole cluster are at least ``NEWSBOT_REDIS_DOMAIN_DELAY`` seconds
apart (default: ``DOWNLOAD_DELAY``; 0 turns the middleware off). The local throttles stay on top.

A waiting request holds one of the process's ``CONCURRENT_REQUESTS`` slots while it waits, as a
request waiting in a Scrapy download slot does.
"""

from __future__ import annotations

import logging
import random

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import deferLater

from newsbot.config.run import run_id
from newsbot.scaleout.keys import Keys, connect, redis_url

logger = logging.getLogger(__name__)

# 0 when the slot was taken, else the milliseconds until it frees.
_TAKE_SLOT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left
"""


class ClusterDomainDelayMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = redis_url(settings)
        if not url:
            raise NotConfigured
        delay = settings.get("NEWSBOT_REDIS_DOMAIN_DELAY")
        self.delay = float(delay) if delay not in (None, "") else settings.getfloat("DOWNLOAD_DELAY", 0.0)
        if self.delay <= 0:
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = Keys.from_settings(settings)
        self.client = connect(url)
        self._take = self.client.register_script(_TAKE_SLOT)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterDomainDelayMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        key = self.keys.domain_slot(host)
        delay_ms = max(1, int(self.delay * 1000))
        waited = 0.0
        while True:
            left = int(self._take(keys=[key], args=[run_id(self.crawler), delay_ms]))
            if not left:
                break
            # jitter, so that waiting processes do not all retry on the same millisecond
            pause = left / 1000 + random.uniform(0, 0.05 * self.delay)
            waited += pause
            await maybe_deferred_to_future(deferLater(reactor, pause))
        if waited:
            self.stats.inc_value("newsbot/cluster/domain_waits")
            self.stats.inc_value("newsbot/cluster/domain_wait_ms", int(waited * 1000))
