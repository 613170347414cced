"""Per-source download counts: requests, responses by status, download errors.

Scrapy's ``DownloaderStats`` counts for the whole crawl; the run summary needs the same numbers per
source, which only the request knows (``request.meta["newsbot_source"]``). Placed next to
``DownloaderStats`` so that it sees what goes on the wire: every retry and every redirect hop is a
request of its own.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from newsbot.middlewares.stopping import StoppedBeforeFetch


class SourceStatsMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceStatsMiddleware:
        return cls(crawler.stats)

    @staticmethod
    def _prefix(request: Request) -> str | None:
        source = request.meta.get("newsbot_source")
        return f"newsbot/source/{source}" if source else None

    def process_request(self, request: Request) -> None:
        prefix = self._prefix(request)
        if prefix:
            self.stats.inc_value(f"{prefix}/requests")

    def process_response(self, request: Request, response: Response) -> Response:
        prefix = self._prefix(request)
        if prefix:
            self.stats.inc_value(f"{prefix}/responses/{response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, StoppedBeforeFetch):
            return  # never sent: not a download error of the source
        prefix = self._prefix(request)
        if prefix:
            self.stats.inc_value(f"{prefix}/download_errors/{type(exception).__name__}")
