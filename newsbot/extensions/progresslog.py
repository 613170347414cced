"""The run's log when no one watches it (cron): a start line and a progress line a minute.

Scrapy's ``LogStats`` line ("Crawled 120 pages (at 30 pages/min), scraped 80 items") says nothing
of what an operator of a news crawl asks: how fast, how much is stored and rejected, how much is
left, which sources fail. This extension replaces it (``LogStats`` is off in newsbot's settings):

    Run 20261202T171802Z-f73181 started: news spider, 4 sources (kyiv, levant, meridian,
        sahel), incremental; output /srv/data/news
    Progress after 1m00s: 8.2 pages/s, 480 responses, 410 stored, 35 rejected, 96 queued,
        2400 backlog, ~5m05s left; failing: gone (1 host)

(one line each, wrapped here); a progress line every ``NEWSBOT_PROGRESS_INTERVAL`` seconds (0:
none). The summary at the end is ``newsbot crawl``'s (and ``DIR/runs/<run_id>.json``). Off while
the live display is on (``NEWSBOT_PROGRESS``), which shows the same figures.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot.config.declared import getbool, getfloat
from newsbot.config.run import run_id
from newsbot.extensions.figures import Figures, RateMeter, duration, measure
from newsbot.storage.location import output_location

logger = logging.getLogger(__name__)

#: Source ids named in one line at most.
MAX_NAMED = 8


def _names(ids: list[str]) -> str:
    more = f", +{len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else ""
    return ", ".join(ids[:MAX_NAMED]) + more


def describe(spider: Any, settings: Any) -> str:
    """What the run crawls and how: the start line's middle part."""
    from newsbot.config.args import NewsArgs
    from newsbot.spiders.api import ApiSpider

    args = getattr(spider, "args", None)
    sources = getattr(spider, "sources", None)
    if isinstance(args, NewsArgs) and args.ad_hoc:
        given = [(args.feeds, "feed"), (args.sitemaps, "sitemap"), (args.urls, "URL")]
        what = "ad hoc: " + ", ".join(f"{len(v)} {n}{'s' if len(v) > 1 else ''}" for v, n in given if v)
    elif sources:
        ids = [getattr(s, "id", str(s)) for s in sources]
        what = f"{len(ids)} source{'s' if len(ids) > 1 else ''} ({_names(ids)})"
    elif getattr(spider, "files", None):
        what = f"{len(spider.files)} WARC file{'s' if len(spider.files) > 1 else ''}"
    elif isinstance(spider, ApiSpider):  # the API is the run's one source
        what = f"the {spider.name} API"
    else:
        what = "no source"
    if spider.name == "warc":
        mode = "backfill"
    elif isinstance(spider, ApiSpider):
        mode = "API search"
    elif getbool(settings, "NEWSBOT_SEEN_ENABLED"):
        mode = "incremental"
    else:
        mode = "everything fetched again"
    if settings.get("NEWSBOT_REDIS_URL"):
        mode += ", shared through Redis"
    return f"{spider.name} spider, {what}, {mode}"


def progress_text(f: Figures) -> str:
    parts = [
        f"{f.rate:.1f} pages/s" if f.rate is not None else "rate n/a",
        f"{f.responses} responses",
        f"{f.stored} stored",
        f"{f.rejected} rejected",
    ]
    if f.queued is not None:
        parts.append(f"{f.queued} queued")
    if f.backlog:
        parts.append(f"{f.backlog} backlog")
    if f.eta is not None:
        parts.append(f"~{duration(f.eta)} left")
    text = ", ".join(parts)
    if f.failing_sources or f.failing_hosts:
        hosts = f" ({f.failing_hosts} host{'s' if f.failing_hosts != 1 else ''})" if f.failing_hosts else ""
        text += f"; failing: {_names(f.failing_sources) or 'no source yet'}{hosts}"
    return text


class ProgressLog:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.meter = RateMeter(window=interval)
        self._started = time.monotonic()
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        if getbool(crawler.settings, "NEWSBOT_PROGRESS"):
            raise NotConfigured  # the live display shows it
        return cls(crawler, getfloat(crawler.settings, "NEWSBOT_PROGRESS_INTERVAL"))

    def spider_opened(self, spider: Any) -> None:
        self._started = time.monotonic()
        logger.info(
            "Run %s started: %s; output %s",
            run_id(self.crawler),
            describe(spider, self.crawler.settings),
            output_location(self.crawler.settings),
        )
        self.meter.update(0)
        if self.interval > 0:
            self._timer = task.LoopingCall(self.log_progress)
            self._timer.start(self.interval, now=False)

    def log_progress(self) -> None:
        f = measure(self.crawler, self.meter, self._started)
        logger.info("Progress after %s: %s", duration(f.elapsed), progress_text(f))

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
