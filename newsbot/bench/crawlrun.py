"""Pages through the crawl's own code, in the crawl's order: what the cleaning benchmark measures.

A figure of ``newsbot bench cleaning`` is a figure of the crawl because the benchmark composes
nothing itself: each page goes through :func:`newsbot.process.plan.process_page` with the plan
:func:`newsbot.process.build.build_plan` makes of the project settings (every stage of
``NEWSBOT_PAGE_STAGES``, the recall retry inside extraction, the quality verdict), one page at a
time, as a worker runs it. Template learning follows :class:`newsbot.pipelines.templates.TemplateStore`:
each page is stripped in its "worker" with a snapshot of its source taken when it was sent, then
learned from in page order; a source's first ``NEWSBOT_TEMPLATE_WARMUP_DOCS`` pages are held until
the source has that much evidence (or the run ends), and a page whose strip the source's current
state changes runs the stages after the template stage again (:func:`~newsbot.process.plan.finish_page`).
A source is a page's host, as for URLs given on the command line
(:func:`newsbot.spiders.base.ad_hoc_source`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from scrapy.settings import BaseSettings

from newsbot.clean.rules import RuleSet
from newsbot.clean.templates import TemplateConfig, TemplateLearner
from newsbot.config.declared import declared
from newsbot.extract import ExtractionError
from newsbot.process import stages as page_stages
from newsbot.process.build import build_plan
from newsbot.process.page import Page
from newsbot.process.plan import Plan, finish_page, process_page
from newsbot.spiders.base import ad_hoc_source


def project_settings(pairs: dict[str, object] | None = None) -> BaseSettings:
    """The project's settings (what ``newsbot crawl`` runs with), ``pairs`` over them."""
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    settings = get_project_settings()
    if pairs:
        settings.setdict(pairs, priority="cmdline")
    return settings


@dataclass
class Crawled:
    """One page as the crawl leaves it."""

    url: str
    source: str
    #: the stored body ('' for a rejected page: nothing is stored)
    body: str = ""
    #: the reject code: an extraction error or the quality verdict (None: stored)
    reject: str | None = None
    #: extraction's paragraphs before any clean stage (structure removals included)
    extracted: list[str] = field(default_factory=list)
    #: the paragraphs kept, and (stage, text) of what each clean stage removed
    kept: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    title: str | None = None
    #: the page's declared language (ISO 639-1, ``und`` when it declares none)
    language: str = "und"
    #: which extraction pass the body is from: fast, full or recall
    path: str | None = None


def _lang(declared_code: str | None) -> str:
    return (declared_code or "und").split("-")[0].lower() or "und"


class CrawlRun:
    """The crawl's processing of pages handed to :meth:`add` in crawl order; :meth:`finish` ends
    the run (held pages released, as at ``spider_idle``) and returns the pages in that order."""

    def __init__(self, settings: BaseSettings | None = None, rules: RuleSet | None = None) -> None:
        settings = settings if settings is not None else project_settings()
        plan = build_plan(settings)
        self.plan: Plan = dataclasses.replace(plan, rules=rules) if rules is not None else plan
        self.learner = TemplateLearner(
            TemplateConfig(
                min_docs=int(declared(settings, "NEWSBOT_TEMPLATE_MIN_DOCS")),
                min_share=float(declared(settings, "NEWSBOT_TEMPLATE_MIN_SHARE")),
                max_lines=int(declared(settings, "NEWSBOT_TEMPLATE_MAX_LINES")),
                max_sources=int(declared(settings, "NEWSBOT_TEMPLATE_MAX_SOURCES")),
            )
        )
        self.warmup_docs = int(declared(settings, "NEWSBOT_TEMPLATE_WARMUP_DOCS"))
        self._out: list[Crawled] = []
        self._pages: list[Page | None] = []
        self._held: dict[str, list[int]] = {}

    def add(
        self, url: str, html: str | bytes, content_type: str | None = None, source: str | None = None
    ) -> None:
        """Process one page; ``source`` defaults to its host (a source registry names it otherwise)."""
        source = source or ad_hoc_source(url)
        page = Page(url=url, html=html, content_type=content_type)
        page.snapshot = self.learner.snapshot(source)
        out = Crawled(url, source)
        self._out.append(out)
        try:
            process_page(self.plan, page)
        except ExtractionError as exc:
            out.reject = exc.reason
            self._pages.append(None)
            return
        self._pages.append(page)
        index = len(self._pages) - 1
        key = page_stages.learning_key(page)
        if page.learn is None or key is None:
            page.learn = page.facts = None
            self._settled(index)
            return
        self.learner.observe(source, page.learn, key, page.facts)
        if self.learner.documents(source) < self.warmup_docs:
            self._held.setdefault(source, []).append(index)
            return
        for held in self._held.pop(source, []):
            self._settle(held)
        self._settle(index)

    def _settle(self, index: int) -> None:
        page = self._pages[index]
        assert page is not None and page.learn is not None
        res = self.learner.strip(self._out[index].source, page.learn, page.facts)
        if res != page.templates:
            page_stages.apply_templates(page, res)
            finish_page(self.plan, page)
        page.learn = page.facts = None
        self._settled(index)

    def _settled(self, index: int) -> None:
        page = self._pages[index]
        out = self._out[index]
        assert page is not None and page.article is not None
        art = page.article
        if page.final_body is None and page.quality is None:
            page_stages.body(page, self.plan)  # stopped by the language or relevance filter
        out.reject = page.quality
        out.body = "" if page.quality else page.final_body or ""
        out.kept = list(page.paragraphs)
        out.removed = list(page.removed)
        out.extracted = art.paragraphs + [t for s, t in page.removed if s.startswith("structure/")]
        out.title = page.title
        out.language = _lang(art.language)
        out.path = art.extraction_path
        self._pages[index] = None

    def finish(self) -> list[Crawled]:
        for source in list(self._held):
            for held in self._held.pop(source):
                self._settle(held)
        return self._out


def crawl_pages(
    pages: Sequence[tuple[str, str | bytes]],
    settings: BaseSettings | None = None,
    rules: RuleSet | None = None,
) -> list[Crawled]:
    """``(url, html)`` pages through :class:`CrawlRun`, in the order given."""
    run = CrawlRun(settings, rules)
    for url, html in pages:
        run.add(url, html)
    return run.finish()
