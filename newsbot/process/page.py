"""One page on its way through the stages, and what each stage found: the worker call's result.

A :class:`Page` goes into the worker with what the spider fetched (``html``) or, for a record
built from an API answer, with its text (``body``); every stage of the plan fills in its own
fields, and the same object comes back. Each field has exactly one stage that writes it.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from newsbot.clean.templates import LineFacts, TemplateResult, TemplateSnapshot
from newsbot.enrich.language import LanguageGuess
from newsbot.extract.result import ExtractedArticle


@dataclass
class Page:
    # --- the input -------------------------------------------------------------------------------
    url: str
    #: the page as fetched (bytes are decoded in the worker with ``content_type``); None for a
    #: record that arrives with its text
    html: str | bytes | None = None
    content_type: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    #: what the record already holds when it arrives without a page (API records)
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    body: str | None = None
    declared_language: str | None = None
    #: the record's language before detection (kept when detection is off)
    language_code: str | None = None
    #: the source's learned template lines when the page was sent (None: templates off)
    snapshot: TemplateSnapshot | None = None

    # --- written by the stages, in order ---------------------------------------------------------
    #: extract: what trafilatura and the structured data give (None: no page to extract)
    article: ExtractedArticle | None = None
    #: the paragraphs as the clean stages leave them (each stage replaces them)
    paragraphs: list[str] = field(default_factory=list)
    #: (stage, text) of everything the clean stages removed, in order
    removed: list[tuple[str, str]] = field(default_factory=list)
    #: the clean stages that changed the paragraphs (for the crawl's stats)
    changed: list[str] = field(default_factory=list)
    #: templates: the paragraphs template learning counts, and their line facts
    learn: list[str] | None = None
    facts: dict[str, LineFacts] | None = None
    templates: TemplateResult | None = None
    #: quality: the reject code (None: an article, or the stage is off)
    quality: str | None = None
    #: language: the guess (None: detection off)
    language: LanguageGuess | None = None
    #: relevance: the language it was scored in, and the score (None: no lexicon for it / off)
    relevance_language: str | None = None
    score: float | None = None
    scored: bool = False
    #: body: the stored body, its word count and hash (None: the stage is off)
    final_body: str | None = None
    word_count: int = 0
    content_hash: str | None = None
    #: the body's normal form, shared by the hash and the shingles (not sent back)
    normal: str | None = None
    #: shingles: the body's shingle hashes for its near-duplicate signature (None: too short / off)
    shingles: array | None = None
    #: a stage decided the record goes no further (later stages are skipped)
    stopped: bool = False

    @property
    def text(self) -> str:
        """The text the enrich stages read: the cleaned paragraphs, or ``body`` for API records."""
        if self.paragraphs:
            return "\n".join(self.paragraphs)
        return self.body or ""
