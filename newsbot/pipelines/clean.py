"""Clean pipelines: duplicated text, boilerplate rules, learned templates, quality verdict.

One pipeline per concern, meant to run in this order after extraction::

    DuplicateTextPipeline → BoilerplateRulesPipeline → TemplatePipeline → QualityPipeline

Each reads and writes ``paragraphs`` through :class:`~itemadapter.ItemAdapter`, appends what it
drops to ``removed`` as ``(stage, text)``, counts under ``newsbot/clean/<stage>/...`` and switches
itself off with ``NEWSBOT_CLEAN_<STAGE>=False``. The work itself is in :mod:`newsbot.clean`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from twisted.internet.defer import Deferred

from newsbot import prepared
from newsbot.clean.duplicates import remove_duplicates
from newsbot.clean.quality import QualityConfig, assess
from newsbot.clean.rules import apply_rule_files, load_rules, resolve_rule_paths
from newsbot.clean.templates import LineFacts, TemplateConfig, TemplateLearner
from newsbot.run import state_location
from newsbot.storage.location import LocatedFile
from newsbot.workers import get_runner

logger = logging.getLogger(__name__)


def rule_paths(settings: BaseSettings) -> tuple[str, ...]:
    """The rule files of ``NEWSBOT_CLEANING_RULES``, as the worker processes receive them."""
    return tuple(str(p) for p in resolve_rule_paths(settings.get("NEWSBOT_CLEANING_RULES")))


def _removed(a: ItemAdapter) -> list[tuple[str, str]]:
    removed = a.get("removed")
    if removed is None:
        removed = []
        a["removed"] = removed
    return removed


class DuplicateTextPipeline:
    """Repeated paragraphs and blocks, the headline in the body, pull quotes (:mod:`.duplicates`)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("NEWSBOT_CLEAN_DUPLICATES", True):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicateTextPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        if not paragraphs:
            return item
        title, description = a.get("title"), a.get("description")
        res = prepared.take(a, "duplicates", (paragraphs, title, description))
        if res is prepared.MISSING:
            find = functools.partial(remove_duplicates, title=title, description=description)
            res = await get_runner(self.crawler).run(find, paragraphs)  # CPU-bound: in a worker process
        if res.removed:
            a["paragraphs"] = res.paragraphs
            _removed(a).extend((f"duplicates/{kind}", text) for kind, text in res.removed)
            self.stats.inc_value("newsbot/clean/duplicates/paragraphs_removed", len(res.removed))
            self.stats.inc_value("newsbot/clean/duplicates/items_changed")
            for kind, _ in res.removed:
                self.stats.inc_value(f"newsbot/clean/duplicates/{kind}")
        return item


class BoilerplateRulesPipeline:
    """The rule files of ``NEWSBOT_CLEANING_RULES`` (default ``settings/cleaning``)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_CLEAN_RULES", True):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        # A ConfigError here stops the crawl before the first request: bad rules are a setup error.
        # Workers load the same files once each (apply_rule_files) instead of receiving the
        # compiled rules with every page.
        self.paths = rule_paths(settings)
        self.rules = load_rules(self.paths)
        logger.info("Loaded %d cleaning rules", len(self.rules))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoilerplateRulesPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        if not paragraphs:
            return item
        authors = list(a.get("authors") or [])  # their byline and bio lines go too
        res = prepared.take(a, "rules", (paragraphs, authors, self.paths))
        if res is prepared.MISSING:
            res = await get_runner(self.crawler).run(apply_rule_files, self.paths, paragraphs, authors)
        if res.removed or res.paragraphs != paragraphs:
            a["paragraphs"] = res.paragraphs
            _removed(a).extend((f"rules/{cat}", text) for cat, text in res.removed)
            for cat, _ in res.removed:
                self.stats.inc_value(f"newsbot/clean/rules/{cat}")
            self.stats.inc_value("newsbot/clean/rules/items_changed")
        return item


@dataclass
class _Buffer:
    """Items of a source waiting for enough evidence; each has a one-shot waiter."""

    waiters: list[Any] = field(default_factory=list)
    cancel_timer: Callable[[], None] | None = None


class TemplatePipeline:
    """Lines a source repeats across its articles (:mod:`newsbot.clean.templates`).

    A source with fewer than ``NEWSBOT_TEMPLATE_WARMUP_DOCS`` documents of evidence has its items
    held (after they are counted) until that many have arrived, so the first articles of a new
    source are cleaned with the same learned state as later ones. Held items are released when
    the source reaches the threshold, after ``NEWSBOT_TEMPLATE_WARMUP_TIMEOUT`` seconds (the
    engine does not go idle while items are awaited here, so a timer must release them), and at
    ``spider_idle``/``spider_closed``.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_CLEAN_TEMPLATES", True):
            raise NotConfigured
        self.stats = crawler.stats
        self.config = TemplateConfig(
            min_docs=settings.getint("NEWSBOT_TEMPLATE_MIN_DOCS", 3),
            min_share=settings.getfloat("NEWSBOT_TEMPLATE_MIN_SHARE", 0.2),
            # Per source: template lines recur, so the most recent 1,000 distinct lines hold them; the
            # rest are one-off prose lines, and 5,000 per source grew by ~0.5 MB a source.
            max_lines=settings.getint("NEWSBOT_TEMPLATE_MAX_LINES", 1000),
            max_sources=settings.getint("NEWSBOT_TEMPLATE_MAX_SOURCES", 5000),
        )
        self.warmup_docs = settings.getint("NEWSBOT_TEMPLATE_WARMUP_DOCS", 8)
        self.warmup_timeout = settings.getfloat("NEWSBOT_TEMPLATE_WARMUP_TIMEOUT", 5.0)
        self.persist = settings.getbool("NEWSBOT_TEMPLATE_PERSIST", True)
        self.path: LocatedFile | None = (
            state_location(settings).file("templates.json") if self.persist else None
        )
        self.learner = (
            TemplateLearner.load(self.path, self.config) if self.path else TemplateLearner(self.config)
        )
        self._buffers: dict[str, _Buffer] = {}
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TemplatePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        source = a.get("source") or ""
        if not paragraphs or not source:
            return item
        # Line hashes and word counts computed in the extraction worker, when they are for these lines.
        facts = prepared.take(a, "templates", paragraphs)
        if facts is prepared.MISSING:
            facts = None
        if self.learner.observe(source, paragraphs, a.get("url"), facts):
            self.stats.inc_value("newsbot/clean/templates/documents_learned")
        if self.learner.documents(source) < self.warmup_docs and self.warmup_timeout > 0:
            self.stats.inc_value("newsbot/clean/templates/items_held")
            await self._hold(source)
        elif source in self._buffers:
            self._release(source, "evidence")
        self._strip(a, source, facts)
        return item

    def _strip(self, a: ItemAdapter, source: str, facts: dict[str, LineFacts] | None = None) -> None:
        res = self.learner.strip(source, a.get("paragraphs") or [], facts)
        if res.skipped:
            self.stats.inc_value("newsbot/clean/templates/mostly_template_skipped")
        if res.removed:
            a["paragraphs"] = res.paragraphs
            _removed(a).extend(("templates", text) for text in res.removed)
            self.stats.inc_value("newsbot/clean/templates/lines_removed", len(res.removed))
            self.stats.inc_value("newsbot/clean/templates/items_changed")

    # --- warm-up buffer -------------------------------------------------------------------------

    async def _hold(self, source: str) -> None:
        buf = self._buffers.setdefault(source, _Buffer())
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None  # a non-asyncio Twisted reactor drives this coroutine
        if loop is not None:
            waiter: Any = loop.create_future()
            if buf.cancel_timer is None:
                handle = loop.call_later(self.warmup_timeout, self._release, source, "timeout")
                buf.cancel_timer = handle.cancel
        else:
            from twisted.internet import reactor

            waiter = Deferred()
            if buf.cancel_timer is None:
                call = reactor.callLater(  # type: ignore[attr-defined]
                    self.warmup_timeout, self._release, source, "timeout"
                )
                buf.cancel_timer = call.cancel
        buf.waiters.append(waiter)
        await waiter

    def _release(self, source: str, why: str) -> None:
        buf = self._buffers.pop(source, None)
        if buf is None:
            return
        if buf.cancel_timer is not None and why != "timeout":
            buf.cancel_timer()
        self.stats.inc_value(f"newsbot/clean/templates/released_{why}", len(buf.waiters))
        for waiter in buf.waiters:
            if isinstance(waiter, Deferred):
                if not waiter.called:
                    waiter.callback(None)
            elif not waiter.done():
                waiter.set_result(None)

    def release_all(self, why: str) -> None:
        for source in list(self._buffers):
            self._release(source, why)

    def spider_idle(self) -> None:
        self.release_all("idle")

    def spider_closed(self) -> None:
        self.release_all("close")
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.learner.save(self.path)
        except OSError as exc:
            logger.error("Could not save template state to %s: %s", self.path, exc)


class QualityPipeline:
    """Drops what is not an article; the ``DropItem`` message starts with the reason code."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_CLEAN_QUALITY", True):
            raise NotConfigured
        self.stats = crawler.stats
        self.config = QualityConfig(min_words=settings.getint("NEWSBOT_MIN_WORDS", 50))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QualityPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        if not paragraphs and a.get("body"):
            # Records that arrive with their text (API answers) are judged on it.
            paragraphs = [p for p in str(a["body"]).split("\n") if p.strip()]
        hints = a.get("hints") or {}
        reason = assess(
            paragraphs,
            title=a.get("title"),
            page_type=hints.get("page_type"),
            removed=a.get("removed") or (),
            is_article=bool(hints.get("is_article_markup")),
            url=a.get("url"),
            config=self.config,
        )
        if reason is None:
            self.stats.inc_value("newsbot/clean/quality/passed")
            return item
        self.stats.inc_value(f"newsbot/clean/quality/{reason.replace(':', '/')}")
        words = sum(len(p.split()) for p in paragraphs)
        raise DropItem(f"{reason}: {words} words after cleaning")
