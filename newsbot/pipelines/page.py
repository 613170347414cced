"""One worker call per page: the stages of ``NEWSBOT_PAGE_STAGES``, then template learning.

The page goes to the worker pool with its source's template snapshot and comes back as one
:class:`~newsbot.process.page.Page` holding every stage's result. This pipeline writes what
extraction and the clean stages give (title, paragraphs, metadata, what was removed) and keeps
the page on the item (``page``) for the pipelines that decide from it in the main process:
quality, language and relevance filters, finalize, identify, store.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot.extensions.components import component
from newsbot.extract.result import ExtractionError
from newsbot.pipelines.templates import TemplateStore
from newsbot.process.build import build_plan
from newsbot.process.page import Page
from newsbot.process.plan import TEMPLATES, Plan, process_page, stage_name
from newsbot.process.pool import WorkerTimeout, get_runner
from newsbot.process.stages import apply_templates, learning_key

logger = logging.getLogger(__name__)


def page_input(a: ItemAdapter) -> Page:
    """A :class:`Page` from what the item holds: its fetched page, or the text it arrived with."""
    hints = dict(a.get("hints") or {})
    return Page(
        url=a["url"],
        html=a.get("html"),
        content_type=a.get("content_type"),
        hints=hints,
        title=a.get("title"),
        description=a.get("description"),
        authors=list(a.get("authors") or []),
        body=a.get("body"),
        paragraphs=list(a.get("paragraphs") or []),
        removed=list(a.get("removed") or []),
        declared_language=a.get("declared_language") or hints.get("language"),
        language_code=a.get("language"),
    )


def page_of(a: ItemAdapter, plan: Plan, *names: str) -> Page:
    """The item's page; for an item that did not come through :class:`PagePipeline` (a pipeline
    driven on its own), the stages ``names`` of the plan run on it here, inline."""
    page = a.get("page")
    if page is None:
        page = page_input(a)
        only = tuple(s for s in plan.stages if stage_name(s) in names)
        process_page(dataclasses.replace(plan, stages=only), page)
    return page


class PagePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.plan = build_plan(crawler.settings)
        self.templates: TemplateStore | None = None
        if self.plan.has(TEMPLATES):
            self.templates = component(crawler, "NEWSBOT_TEMPLATE_STORE_CLASS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PagePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        get_runner(self.crawler)  # the pool, and its processes, start now

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        page = page_input(a)
        source = a.get("source") or ""
        if self.templates is not None and source:
            page.snapshot = self.templates.snapshot(source)
        fetched = page.html is not None
        a["html"] = None  # the page is no longer needed: don't carry it through the pipeline
        runner = get_runner(self.crawler)
        try:
            page = await runner.process(page)
        except ExtractionError as exc:
            self.stats.inc_value("newsbot/extract/failed")
            raise DropItem(f"{exc.reason}: {exc.detail}") from exc
        except WorkerTimeout as exc:
            self.stats.inc_value("newsbot/extract/timeout")
            raise DropItem(f"extract_timeout: {exc}") from exc
        if fetched:
            self.stats.inc_value("newsbot/extract/ok")
            self._write_article(a, page)
        key = learning_key(page)
        if self.templates is not None and page.learn is not None and key is not None:
            res = await self.templates.settle(source, page.learn, key, page.facts)
            if res != page.templates:
                # The source's templates moved since the snapshot was taken (this page's own
                # evidence, or pages learned meanwhile): the stages after them run again.
                self.stats.inc_value("newsbot/page/templates_restripped")
                apply_templates(page, res)
                try:
                    page = await runner.process(page, finish=True)
                except WorkerTimeout as exc:
                    self.stats.inc_value("newsbot/extract/timeout")
                    raise DropItem(f"extract_timeout: {exc}") from exc
        page.learn = page.facts = None
        self._count_cleaning(page)
        a["paragraphs"] = page.paragraphs
        a["removed"] = page.removed
        page.article = None  # written to the item above: not carried twice
        a["page"] = page
        return item

    def _write_article(self, a: ItemAdapter, page: Page) -> None:
        art = page.article
        assert art is not None
        hints = page.hints
        a["title"] = art.title
        a["authors"] = art.authors
        a["published_at"] = art.published_at
        a["description"] = art.description
        a["site_name"] = art.site_name or hints.get("site_name")
        a["declared_language"] = page.declared_language
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

    def _count_cleaning(self, page: Page) -> None:
        inc = self.stats.inc_value
        dup = [kind for kind, _ in page.removed if kind.startswith("duplicates/")]
        if dup:
            inc("newsbot/clean/duplicates/paragraphs_removed", len(dup))
            inc("newsbot/clean/duplicates/items_changed")
            for kind in dup:
                inc(f"newsbot/clean/{kind}")
        for kind, _ in page.removed:
            if kind.startswith(("rules/", "structure/")):
                inc(f"newsbot/clean/{kind}")
        if page.article is not None:
            # which trafilatura pass the body is from: fast, full (the fast one looked short) or
            # recall (what the structure stage left was too little)
            inc(f"newsbot/extract/path/{page.article.extraction_path}")
            if page.article.extraction_path != "fast":
                logger.debug("Body of %s from the %s extraction pass", page.url, page.article.extraction_path)
        if "rules" in page.changed:
            inc("newsbot/clean/rules/items_changed")
