"""Scrapy's log lines, shortened where newsbot already says the same thing in one line.

Scrapy logs every dropped item as ``WARNING: Dropped: <reason>`` followed by the whole item (the
page's HTML and text, kilobytes a line). newsbot's rejects writer already logs each reject once,
``Rejected <url> (<reason>)`` at INFO, and keeps the details in ``DIR/rejects/``: Scrapy's line
is skipped (``None`` tells Scrapy not to log). With the rejects writer off, one short line
stands in for it.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter, LogFormatterResult


class NewsbotLogFormatter(LogFormatter):
    def __init__(self, rejects_logged: bool = True) -> None:
        self.rejects_logged = rejects_logged

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewsbotLogFormatter:
        return cls(rejects_logged=crawler.settings.getbool("NEWSBOT_REJECTS_ENABLED"))

    def dropped(  # type: ignore[override]
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult | None:
        if self.rejects_logged:
            return None
        return {
            "level": logging.INFO,
            "msg": "Rejected %(url)s (%(reason)s)",
            "args": {"url": ItemAdapter(item).get("url"), "reason": exception},
        }
