"""Extract: page HTML → headline, paragraphs and metadata (trafilatura + structured data).

The worker call that extracts a page also runs the stateless clean stages that follow
(duplicated text, boilerplate rules) when the crawl has them, and offers their results to those
pipelines (:mod:`newsbot.prepared`): one round trip to the pool instead of three.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot import prepared
from newsbot.extract.result import ExtractionError
from newsbot.worker_jobs import extract_and_clean
from newsbot.workers import WorkerTimeout, get_runner

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs :func:`newsbot.extract.extract_article` (in the worker pool when there is one)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.duplicates = prepared.pipeline_enabled(
            settings, "newsbot.pipelines.clean.DuplicateTextPipeline", "NEWSBOT_CLEAN_DUPLICATES"
        )
        self.rule_paths: tuple[str, ...] | None = None
        if prepared.pipeline_enabled(
            settings, "newsbot.pipelines.clean.BoilerplateRulesPipeline", "NEWSBOT_CLEAN_RULES"
        ):
            from newsbot.pipelines.clean import rule_paths

            self.rule_paths = rule_paths(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        get_runner(self.crawler)  # the pool, and its processes, start now

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        html = a.get("html")
        if html is None:
            # Records built from an API answer (ReliefWeb) arrive with their text already.
            return item
        hints = dict(a.get("hints") or {})
        try:
            page = await get_runner(self.crawler).run(
                extract_and_clean,
                html,
                a["url"],
                hints,
                self.duplicates,
                self.rule_paths,
                a.get("content_type"),
            )
        except ExtractionError as exc:
            self.stats.inc_value("newsbot/extract/failed")
            raise DropItem(f"{exc.reason}: {exc.detail}") from exc
        except WorkerTimeout as exc:
            self.stats.inc_value("newsbot/extract/timeout")
            raise DropItem(f"extract_timeout: {exc}") from exc
        finally:
            a["html"] = None  # the page is no longer needed: don't carry it through the pipeline
        self.stats.inc_value("newsbot/extract/ok")
        art = page.article
        a["title"] = art.title
        a["paragraphs"] = art.paragraphs
        a["authors"] = art.authors
        a["published_at"] = art.published_at
        a["description"] = art.description
        a["site_name"] = art.site_name or hints.get("site_name")
        a["declared_language"] = art.language or hints.get("language")
        a["categories"] = art.categories
        a["tags"] = art.tags
        a["extractor_version"] = art.extractor_version
        hints.update(
            rel_canonical=art.rel_canonical,
            og_url=art.og_url,
            page_type=art.page_type,
            is_article_markup=art.is_article_markup,
        )
        a["hints"] = hints
        cleaned = page.cleaned
        if cleaned.duplicates is not None:
            prepared.offer(a, "duplicates", (art.paragraphs, art.title, art.description), cleaned.duplicates)
        if cleaned.rules is not None:
            rules_input = cleaned.duplicates.paragraphs if cleaned.duplicates else art.paragraphs
            prepared.offer(a, "rules", (rules_input, art.authors, self.rule_paths), cleaned.rules)
        prepared.offer(a, "templates", cleaned.paragraphs, page.facts)
        return item
