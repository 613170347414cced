"""What extraction returns, in a module that imports nothing heavy.

The crawl's main process receives these from worker processes; keeping them apart from
:mod:`newsbot.extract.article` means it never has to import trafilatura itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ExtractionError(Exception):
    """The page could not be turned into an article; ``reason`` is a short reject code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        # Raised in a worker process and re-raised in the main one: keep both fields.
        return (ExtractionError, (self.reason, self.detail))


@dataclass(frozen=True, slots=True)
class Block:
    """What the page's structure says about one body paragraph (see :mod:`newsbot.extract.body`).

    ``kind`` is the element trafilatura kept it as: ``p``, ``head`` (a heading), ``item`` (a list
    item), ``quote``, ``row`` (a table row) or ``other``; ``group`` numbers the body's top-level
    elements, so the items of one list share it. ``chars`` counts the paragraph's characters,
    ``link_chars`` those inside links; ``links`` counts its links and ``site_links`` those to
    other pages of the page's own site (a teaser of a sibling article, a section).
    """

    kind: str
    group: int
    chars: int
    link_chars: int = 0
    links: int = 0
    site_links: int = 0

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


@dataclass
class ExtractedArticle:
    title: str | None = None
    #: the headline the page shows (its first ``<h1>``), when it differs from ``title`` (chosen
    #: from og:title, JSON-LD and ``<title>``): the body may repeat either
    headline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    description: str | None = None
    site_name: str | None = None
    rel_canonical: str | None = None
    og_url: str | None = None
    language: str | None = None  # as declared by the page
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page_type: str | None = None  # og:type or the JSON-LD article type, lower case
    is_article_markup: bool = False  # the page declares itself an article
    #: the page plays a video (a ``<video>`` element or an embedded player): short text beside
    #: one is its caption, not a news brief
    has_video: bool = False
    #: the normal form (:func:`newsbot.clean.text.normalise`) of the ``alt`` texts of the page's
    #: images: a line that repeats one is the image's caption
    image_texts: frozenset[str] = frozenset()
    extractor_version: str | None = None
    #: one per paragraph (empty when the paragraphs did not come from a page's tree)
    blocks: list[Block] = field(default_factory=list)
    #: how the body was extracted: ``fast``, ``full`` (the fast pass looked short), ``recall``, or
    #: ``ld`` (the JSON-LD ``articleBody``: the markup held much less)
    extraction_path: str = "fast"


def extract_page(html: str, url: str, hints: dict | None = None, recall: bool = False) -> ExtractedArticle:
    """:func:`newsbot.extract.article.extract_article`, importing it on first use.

    This is the function pipelines hand to worker processes: pickling it does not import
    trafilatura in the main process, the worker does on its first call.
    """
    from newsbot.extract.article import extract_article

    return extract_article(html, url, hints, recall)
