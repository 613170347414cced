"""The crawl's learned templates: per-source state in the main process (:mod:`newsbot.clean.templates`).

A page is stripped in its worker with a snapshot of its source's templates taken when it was
sent; :meth:`TemplateStore.settle` then learns from the page and, if the source's state has
moved so that the page would now be stripped differently, returns the current strip so the
stages after it run again.

A source with fewer than ``NEWSBOT_TEMPLATE_WARMUP_DOCS`` documents of evidence has its pages
held (after they are counted) until that many have arrived, so the first articles of a new
source are cleaned with the same learned state as later ones. Held pages are released when the
source reaches the threshold, after ``NEWSBOT_TEMPLATE_WARMUP_TIMEOUT`` seconds (the engine does
not go idle while items are awaited, so a timer must release them), and at
``spider_idle``/``spider_closed``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.defer import Deferred

from newsbot.clean.templates import (
    LineFacts,
    TemplateConfig,
    TemplateLearner,
    TemplateResult,
    TemplateSnapshot,
)
from newsbot.config.declared import declared, getbool
from newsbot.config.run import state_location
from newsbot.storage.location import LocatedFile

logger = logging.getLogger(__name__)


@dataclass
class _Buffer:
    """Items of a source waiting for enough evidence; each has a one-shot waiter."""

    waiters: list[Any] = field(default_factory=list)
    cancel_timer: Callable[[], None] | None = None


class TemplateStore:
    """``NEWSBOT_TEMPLATE_STORE_CLASS``: learns, snapshots and persists the sources' templates."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_CLEAN_TEMPLATES"):
            raise NotConfigured

        def value(name: str) -> Any:
            return declared(settings, name)

        self.stats = crawler.stats
        self.config = TemplateConfig(
            min_docs=int(value("NEWSBOT_TEMPLATE_MIN_DOCS")),
            min_share=float(value("NEWSBOT_TEMPLATE_MIN_SHARE")),
            # Per source: template lines recur, so the most recent 1,000 distinct lines hold them;
            # the rest are one-off prose lines, and 5,000 per source grew by ~0.5 MB a source.
            max_lines=int(value("NEWSBOT_TEMPLATE_MAX_LINES")),
            max_sources=int(value("NEWSBOT_TEMPLATE_MAX_SOURCES")),
        )
        self.warmup_docs = int(value("NEWSBOT_TEMPLATE_WARMUP_DOCS"))
        self.warmup_timeout = float(value("NEWSBOT_TEMPLATE_WARMUP_TIMEOUT"))
        persist = getbool(settings, "NEWSBOT_TEMPLATE_PERSIST")
        self.path: LocatedFile | None = state_location(settings).file("templates.json") if persist else None
        self.learner = (
            TemplateLearner.load(self.path, self.config) if self.path else TemplateLearner(self.config)
        )
        self._buffers: dict[str, _Buffer] = {}
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TemplateStore:
        return cls(crawler)

    def snapshot(self, source: str) -> TemplateSnapshot:
        return self.learner.snapshot(source)

    async def settle(
        self, source: str, paragraphs: Sequence[str], key: str | None, facts: Mapping[str, LineFacts] | None
    ) -> TemplateResult:
        """Learn from one document of ``source`` (held while the source warms up), then strip it
        with the source's current state."""
        if self.learner.observe(source, paragraphs, key, facts):
            self.stats.inc_value("newsbot/clean/templates/documents_learned")
        if self.learner.documents(source) < self.warmup_docs and self.warmup_timeout > 0:
            self.stats.inc_value("newsbot/clean/templates/items_held")
            await self._hold(source)
        elif source in self._buffers:
            self._release(source, "evidence")
        res = self.learner.strip(source, paragraphs, facts)
        if res.skipped:
            self.stats.inc_value("newsbot/clean/templates/mostly_template_skipped")
        if res.removed:
            self.stats.inc_value("newsbot/clean/templates/lines_removed", len(res.removed))
            self.stats.inc_value("newsbot/clean/templates/items_changed")
        return res

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
