"""Rejects: every page that does not become a record is written to ``DIR/rejects/``.

An extension, not a pipeline: it listens to Scrapy's ``item_dropped`` (a pipeline raised
``DropItem``) and to newsbot's ``page_rejected`` (the spider gave up on a page before it became
an item), so nothing disappears silently. A ``DropItem`` message starts with a reason code,
``"too_short: 23 words"``; the code is counted under ``newsbot/rejects/<code>``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot import signals as nb_signals
from newsbot.config.declared import getbool, getfloat
from newsbot.config.run import run_id
from newsbot.middlewares.failures import is_host_failure
from newsbot.pipelines.store import stop_on_write_failure
from newsbot.storage.location import output_location
from newsbot.storage.parquet import PartitionedWriter
from newsbot.storage.records import partition_by_fetch_date, reject_row
from newsbot.storage.schema import REJECT_SCHEMA

logger = logging.getLogger(__name__)


def split_reason(message: str) -> tuple[str, str]:
    """``"too_short: 23 words"`` → ``("too_short", "23 words")``."""
    code, _, detail = str(message).partition(":")
    code = code.strip().lower().replace(" ", "_") or "dropped"
    return code[:64], detail.strip()


class RejectsWriter:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_REJECTS_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.run_id = run_id(crawler)
        self.writer = PartitionedWriter(
            output_location(settings).child("rejects"),
            REJECT_SCHEMA,
            partition_by_fetch_date,
            file_prefix=f"rejects-{self.run_id}",
            on_written=self._count,
        )
        self.flush_interval = getfloat(settings, "NEWSBOT_FLUSH_INTERVAL")
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.page_rejected, signal=nb_signals.page_rejected)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.flush, signal=nb_signals.stop_now)
        crawler.signals.connect(self.flush, signal=nb_signals.flush_requested)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RejectsWriter:
        return cls(crawler)

    def spider_opened(self) -> None:
        if self.flush_interval > 0:
            self._timer = task.LoopingCall(self.flush)
            self._timer.start(self.flush_interval, now=False)

    def item_dropped(self, item: Any, response: Any, exception: Exception, spider: Any) -> None:
        a = ItemAdapter(item)
        reason, detail = split_reason(str(exception))
        self._add(
            url=a.get("url"),
            source=a.get("source"),
            reason=reason,
            detail=detail,
            http_status=a.get("http_status"),
            discovery=a.get("discovery"),
            discovered_from=a.get("discovered_from"),
            discovered_url=a.get("discovered_url"),
        )

    def request_dropped(self, request: Any, spider: Any) -> None:
        """The scheduler's dupefilter dropped a request.

        Only redirects matter here: a listed URL that redirects to an article already requested
        in this run would otherwise leave no trace, and the next run would fetch it again.
        """
        if not request.meta.get("redirect_urls") or "newsbot_source" not in request.meta:
            return
        self._add(
            url=request.meta.get("newsbot_listed_url") or request.meta["redirect_urls"][0],
            source=request.meta.get("newsbot_source"),
            reason="duplicate",
            detail=f"redirects to {request.url}, already requested",
            discovery=request.meta.get("newsbot_discovery"),
            discovered_from=request.meta.get("newsbot_from"),
            discovered_url=request.meta.get("newsbot_listed_url"),
        )

    def page_rejected(self, **kw: Any) -> None:
        kw.pop("signal", None)
        kw.pop("sender", None)
        self._add(**kw)

    def _add(self, **fields: Any) -> None:
        fields.setdefault("time", datetime.now(UTC))
        row = reject_row(run_id=self.run_id, **fields)
        self.writer.add(row)
        # One INFO line per page that failed on its own; a listing's failure is the spider's
        # WARNING, and a host that is down is one line of HostFailureLog, not one per page.
        quiet = row["discovery"] == "listing" or is_host_failure(row["reason"], row.get("http_status"))
        logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "Rejected %s (%s%s)",
            row["url"],
            row["reason"],
            f": {row['detail']}" if row["detail"] else "",
        )

    def _count(self, rows: list[dict[str, Any]]) -> None:
        """Rejects are counted once on disk, as records are (:mod:`newsbot.pipelines.store`)."""
        for row in rows:
            self.stats.inc_value(f"newsbot/rejects/{row['reason']}")
            if row.get("source"):
                self.stats.inc_value(f"newsbot/source/{row['source']}/rejects/{row['reason']}")

    def flush(self, **_: Any) -> None:
        if not self.writer.pending:
            return
        try:
            self.writer.flush()
        except OSError as exc:
            stop_on_write_failure(self.crawler, str(self.writer.root), exc, self.writer.pending)

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
