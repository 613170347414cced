"""Enrich: the language of each record and its relevance to armed conflict.

Both pipelines run after the clean stage (they read the cleaned ``paragraphs``, or ``body`` when a
record arrives with its text already) and before finalize, for example::

    ITEM_PIPELINES = {
        ...,
        "newsbot.pipelines.enrich.LanguagePipeline": 300,
        "newsbot.pipelines.enrich.RelevancePipeline": 310,
        "newsbot.pipelines.finalize.FinalizePipeline": 350,
    }

Settings:

``NEWSBOT_LANGUAGE_ENABLED`` (default True)
    False switches language detection off; ``language`` then stays as the spider set it.
``NEWSBOT_LANGUAGES`` (list or comma-separated string; empty = all)
    Records detected in any other language are dropped with ``DropItem("language:xx")``.
``NEWSBOT_RELEVANCE_ENABLED`` (default True)
    False switches relevance scoring off; ``conflict_score`` keeps its default.
``NEWSBOT_RELEVANCE_LEXICON`` (default ``settings/relevance`` in the project root)
    Directory of the lexicon (see :mod:`newsbot.enrich.relevance`); validated when the crawl starts.
``NEWSBOT_MIN_CONFLICT_SCORE`` (default 0.0 = keep all)
    Records scored below are dropped with ``DropItem("relevance:0.12")``. Records in a language
    without a lexicon score 0.0.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot.config.declared import getbool
from newsbot.enrich.relevance import cached_lexicon
from newsbot.pipelines.page import page_of
from newsbot.process.build import build_plan, languages_setting, lexicon_path, min_conflict_score

logger = logging.getLogger(__name__)

#: The score that separates conflict coverage from other news (the stats split on it).
CONFLICT_THRESHOLD = 0.5


class LanguagePipeline:
    """Sets ``language`` (ISO 639-1 or ``"und"``) and ``language_confidence``; filters by language."""

    def __init__(self, crawler: Crawler, languages: frozenset[str]) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.languages = languages
        self.plan = build_plan(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_LANGUAGE_ENABLED"):
            raise NotConfigured("NEWSBOT_LANGUAGE_ENABLED is off")
        return cls(crawler, languages_setting(settings))

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        guess = page_of(a, self.plan, "language").language
        if guess is None:
            return item  # the crawl's plan has no language stage
        a["language"] = guess.code
        a["language_confidence"] = guess.confidence
        self.stats.inc_value(f"newsbot/language/{guess.code}")
        if guess.method == "declared":
            self.stats.inc_value("newsbot/language/from_declared")
        if self.languages and guess.code not in self.languages:
            self.stats.inc_value("newsbot/dropped/language")
            raise DropItem(f"language:{guess.code}")
        return item


class RelevancePipeline:
    """Sets ``conflict_score`` in [0, 1] from the lexicon; drops records below the minimum score."""

    def __init__(self, crawler: Crawler, min_score: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.min_score = min_score
        self.plan = build_plan(crawler.settings)
        self.lexicon = cached_lexicon(self.plan.lexicon or lexicon_path(crawler.settings))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_RELEVANCE_ENABLED"):
            raise NotConfigured("NEWSBOT_RELEVANCE_ENABLED is off")
        min_score = min_conflict_score(settings)
        pipe = cls(crawler, min_score)
        logger.debug("relevance lexicon %s; minimum score %.2f", lexicon_path(settings), min_score)
        return pipe

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        page = page_of(a, self.plan, "relevance")
        if not page.scored:
            return item  # the crawl's plan has no relevance stage
        score = page.score
        if score is None:
            self.stats.inc_value("newsbot/relevance/unscored")
            score = 0.0
        a["conflict_score"] = score
        self.stats.inc_value(
            "newsbot/relevance/conflict" if score >= CONFLICT_THRESHOLD else "newsbot/relevance/other"
        )
        if score < self.min_score:
            self.stats.inc_value("newsbot/dropped/relevance")
            raise DropItem(f"relevance:{score:.2f}")
        return item
