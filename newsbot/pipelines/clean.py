"""Clean: the quality verdict, decided in the worker call (:mod:`newsbot.process.stages`).

The stateless clean stages (duplicated text, boilerplate rules) and the strip of learned
templates run in the page's worker call; :mod:`newsbot.pipelines.page` writes what they leave
and counts under ``newsbot/clean/<stage>/...``. This pipeline drops what is not an article: the
``DropItem`` message starts with the reason code (``NEWSBOT_CLEAN_QUALITY=False`` switches it off).
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot.config.declared import getbool
from newsbot.pipelines.page import page_of
from newsbot.process.build import build_plan

logger = logging.getLogger(__name__)


class QualityPipeline:
    """Drops what is not an article; the ``DropItem`` message starts with the reason code."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_CLEAN_QUALITY"):
            raise NotConfigured
        self.stats = crawler.stats
        self.plan = build_plan(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QualityPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        page = page_of(ItemAdapter(item), self.plan, "quality")
        reason = page.quality
        if reason is None:
            self.stats.inc_value("newsbot/clean/quality/passed")
            return item
        self.stats.inc_value(f"newsbot/clean/quality/{reason.replace(':', '/')}")
        paragraphs = page.paragraphs or [p for p in (page.body or "").split("\n") if p.strip()]
        words = sum(len(p.split()) for p in paragraphs)
        raise DropItem(f"{reason}: {words} words after cleaning")
