"""Stop a redirect before it fetches an article the dataset already has.

A listed URL that redirects (an old CMS id, a short link) is only recognised as a known article
once the redirect is followed. This downloader middleware runs after Scrapy's
``RedirectMiddleware`` created the follow-up request and before it is downloaded: if the target is
in the seen-URL memory, the request is dropped and recorded as a ``duplicate`` reject under the
listed URL, which the next run's seen memory then knows.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from newsbot import signals as nb_signals
from newsbot.config.declared import getbool
from newsbot.identify.seen import get_seen

logger = logging.getLogger(__name__)


class SeenRedirectMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if not getbool(crawler.settings, "NEWSBOT_SEEN_ENABLED"):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenRedirectMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if not meta.get("redirect_urls") or "newsbot_listed_url" not in meta:
            return
        seen = get_seen(self.crawler)
        if seen is None or request.url not in seen:
            return
        self.crawler.stats.inc_value("newsbot/discovery/skipped_stored_redirect")
        self.crawler.signals.send_catch_log(
            nb_signals.page_rejected,
            url=meta["newsbot_listed_url"],
            source=meta.get("newsbot_source"),
            reason="duplicate",
            detail=f"redirects to {request.url}, already stored",
            discovery=meta.get("newsbot_discovery"),
            discovered_from=meta.get("newsbot_from"),
            discovered_url=meta["newsbot_listed_url"],
        )
        raise IgnoreRequest(f"redirect target already stored: {request.url}")
