"""The item that flows through the pipelines.

A spider yields an :class:`ArticleItem` holding the fetched page (``html``) and what discovery
already knew about it (``hints``: feed, sitemap or API metadata). The pipelines fill in the rest,
stage by stage, and the store writes the columns of :mod:`newsbot.storage.schema`. Fields marked
*transient* are working state and never reach the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ArticleItem:
    # --- set by the spider -------------------------------------------------------------------
    url: str
    source: str
    fetched_at: datetime
    http_status: int = 200
    #: how the page was found: "feed", "sitemap", "url", "gdelt", "reliefweb"
    discovery: str = "url"
    #: the feed, sitemap or API call that listed the page
    discovered_from: str | None = None
    #: the article URL as discovery listed it, before redirects (kept so that a later run
    #: recognises the listing URL without fetching it again)
    discovered_url: str | None = None
    #: transient: the page, as fetched (bytes, decoded in a worker process) or as text
    html: str | bytes | None = None
    #: transient: the response's Content-Type header, for decoding ``html`` bytes
    content_type: str | None = None
    #: transient: metadata from discovery (keys: title, published_at, language, authors,
    #: description, categories, tags, keywords, seen_at, source_country, domain, text, ...)
    hints: dict[str, Any] = field(default_factory=dict)
    #: transient: the body as paragraphs while the clean stages work on it
    paragraphs: list[str] = field(default_factory=list)
    #: transient: what the clean stages removed, as (stage, text) for debugging and `newsbot extract`
    removed: list[tuple[str, str]] = field(default_factory=list)
    #: transient: the page's worker call and what each of its stages found
    #: (:class:`newsbot.process.page.Page`, written by :mod:`newsbot.pipelines.page`)
    page: Any = None

    # --- filled by the pipelines --------------------------------------------------------------
    id: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    body: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    language: str | None = None
    language_confidence: float | None = None
    declared_language: str | None = None
    word_count: int = 0
    content_hash: str | None = None
    duplicate_of: str | None = None
    conflict_score: float = 0.0
    description: str | None = None
    site_name: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: GDELT and other API metadata
    seen_at: datetime | None = None
    source_country: str | None = None
    domain: str | None = None
    extractor_version: str | None = None
    run_id: str | None = None
    #: the raw page: WARC file (relative to the output location, or as a backfill read it) and
    #: the byte offset of its response record
    warc_file: str | None = None
    warc_offset: int | None = None


TRANSIENT_FIELDS = frozenset({"html", "content_type", "hints", "paragraphs", "removed", "page"})
