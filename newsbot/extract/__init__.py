"""Extraction: a pure function of (html, url, hints) that can run in worker processes.

The names below are imported lazily (PEP 562): importing ``newsbot.extract.fields`` or
``newsbot.extract.result`` does not load trafilatura, so the crawl's main process, which only
hands pages to worker processes, never pays for it.
"""

from __future__ import annotations

from typing import Any

from newsbot.extract.result import ExtractedArticle, ExtractionError, extract_page

__all__ = ["ExtractedArticle", "ExtractionError", "extract_article", "extract_page"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from newsbot.extract.article import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
