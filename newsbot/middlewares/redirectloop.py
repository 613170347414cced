"""Redirect loops end as a ``redirect_loop`` reject instead of vanishing.

``A → B → A``: Scrapy's ``RedirectMiddleware`` schedules the second ``A``, and the duplicate
filter drops it without calling any errback, so the page would disappear without a trace. Seen
before ``RedirectMiddleware`` (a higher number runs first on the way back), a redirect to a URL
already on the request's redirect chain fails the request with an ``IgnoreRequest`` whose
``reason`` the spider's errback records.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class RedirectLoop(IgnoreRequest):
    reason = "redirect_loop"


class RedirectLoopMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        location = response.headers[b"Location"].decode("latin-1")
        target = urljoin(request.url, location).split("#", 1)[0]
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.stats.inc_value("newsbot/redirect_loops")
            logger.warning("Redirect loop: %s -> %s (chain of %d)", request.url, target, len(chain))
            raise RedirectLoop(f"{request.url} redirects back to {target}")
        return response
