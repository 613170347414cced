"""Extraction: a pure function of (html, url, hints) that can run in worker processes."""

from __future__ import annotations

from newsbot.extract.article import ExtractedArticle, ExtractionError, extract_article

__all__ = ["ExtractedArticle", "ExtractionError", "extract_article"]
