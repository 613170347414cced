"""Stopping a crawl: once asked to stop, no new request reaches the network.

Scrapy's graceful stop waits for every request the engine has already handed to the downloader,
and that is up to ``CONCURRENT_REQUESTS`` (32) requests queued in the downloader's per-site
slots, each waiting for its politeness delay: after Ctrl-C a crawl went on fetching for many
seconds (minutes for one slow site). Here, on :data:`newsbot.signals.stop_requested`:

* requests still queued in a downloader slot fail at once with :class:`StoppedBeforeFetch`;
* any request that reaches this middleware later (one that was waiting on robots.txt, a retry,
  a redirect) fails the same way.

Only the transfers in progress finish, and their pages are extracted and stored as usual. A
request given up this way is not a reject: the page was not fetched, the next run lists it
again. Spiders' errbacks ignore the exception (:func:`stopped_before_fetch`).

Scrapy has no public call to cancel what a downloader slot holds: :func:`_drop_queued` takes
the slots' queues of ``(request, deferred)`` pairs from :func:`newsbot.compat.downloader_queues`
(the adapter for Scrapy internals); if a Scrapy version changes them, it drops nothing and logs
why, and the stop is merely slower.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from newsbot import signals as nb_signals
from newsbot.compat import downloader_queues

logger = logging.getLogger(__name__)


class StoppedBeforeFetch(IgnoreRequest):
    """The crawl was stopping: this request was never sent."""

    reason = "shutdown"


def _stopped(request: Any) -> StoppedBeforeFetch:
    return StoppedBeforeFetch(f"not fetched, the crawl is stopping: {request.url}")


def stopped_before_fetch(failure: Failure) -> bool:
    return failure.check(StoppedBeforeFetch) is not None


def _drop_queued(crawler: Crawler) -> int:
    queues = downloader_queues(crawler.engine)
    if queues is None:
        logger.warning("Cannot reach the downloader's queues: queued requests will still be sent")
        return 0
    dropped = 0
    for queue in queues:
        while queue:
            request, deferred = queue.popleft()
            # The downloader awaits this Deferred for the response; failing it unwinds the request
            # through the middlewares to its errback, and the engine forgets it.
            deferred.errback(Failure(_stopped(request)))
            dropped += 1
    return dropped


class StopFetching:
    """Downloader middleware (last before the downloader) failing requests once the crawl stops."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stopping = False
        crawler.signals.connect(self.stop_requested, signal=nb_signals.stop_requested)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopFetching:
        return cls(crawler)

    def stop_requested(self, **_: Any) -> None:
        if self.stopping:
            return
        self.stopping = True
        dropped = _drop_queued(self.crawler)
        self.crawler.stats.inc_value("newsbot/shutdown/requests_not_sent", dropped)
        logger.info("Stopping: %d queued requests will not be sent", dropped)

    def process_request(self, request: Any) -> None:
        if self.stopping:
            self.crawler.stats.inc_value("newsbot/shutdown/requests_not_sent")
            raise _stopped(request)
