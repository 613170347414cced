"""Enrich: the language of each record and its relevance to armed conflict.

Both pipelines run after the clean stage (they read the cleaned ``paragraphs``, or ``body`` when a
record arrives with its text already) and before finalize, for example::

    ITEM_PIPELINES = {
        ...,
        "newsbot.pipelines.enrich.LanguagePipeline": 300,
        "newsbot.pipelines.enrich.RelevancePipeline": 310,
        "newsbot.pipelines.finalize.FinalizePipeline": 350,
    }

Settings:

``NEWSBOT_LANGUAGE_ENABLED`` (default True)
    False switches language detection off; ``language`` then stays as the spider set it.
``NEWSBOT_LANGUAGES`` (list or comma-separated string; empty = all)
    Records detected in any other language are dropped with ``DropItem("language:xx")``.
``NEWSBOT_RELEVANCE_ENABLED`` (default True)
    False switches relevance scoring off; ``conflict_score`` keeps its default.
``NEWSBOT_RELEVANCE_LEXICON`` (default ``settings/relevance`` in the project root)
    Directory of the lexicon (see :mod:`newsbot.enrich.relevance`); validated when the crawl starts.
``NEWSBOT_MIN_CONFLICT_SCORE`` (default 0.0 = keep all)
    Records scored below are dropped with ``DropItem("relevance:0.12")``. Records in a language
    without a lexicon score 0.0.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings

from newsbot import prepared
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.enrich.language import detect_language, iso639_1, sample_text
from newsbot.enrich.relevance import Lexicon, load_lexicon, score_with_lexicon
from newsbot.worker_jobs import relevance_language
from newsbot.workers import get_runner

logger = logging.getLogger(__name__)

#: The score that separates conflict coverage from other news (the stats split on it).
CONFLICT_THRESHOLD = 0.5


def _languages_setting(settings: BaseSettings) -> frozenset[str]:
    wanted = set()
    for raw in settings.getlist("NEWSBOT_LANGUAGES"):
        raw = raw.strip()
        if not raw:
            continue
        code = iso639_1(raw)
        if code is None:
            raise ConfigError("NEWSBOT_LANGUAGES", None, f"{raw!r} is not an ISO 639-1 language code")
        wanted.add(code)
    return frozenset(wanted)


def text_of(a: ItemAdapter) -> str:
    """The text the enrich stages read: the cleaned paragraphs, or ``body`` for API records."""
    paragraphs = a.get("paragraphs") or []
    if paragraphs:
        return "\n".join(paragraphs)
    return a.get("body") or ""


def declared_language(a: ItemAdapter) -> str | None:
    hints = a.get("hints") or {}
    return a.get("declared_language") or hints.get("language")


class LanguagePipeline:
    """Sets ``language`` (ISO 639-1 or ``"und"``) and ``language_confidence``; filters by language."""

    def __init__(self, crawler: Crawler, languages: frozenset[str]) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.languages = languages

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        if not crawler.settings.getbool("NEWSBOT_LANGUAGE_ENABLED", True):
            raise NotConfigured("NEWSBOT_LANGUAGE_ENABLED is off")
        return cls(crawler, _languages_setting(crawler.settings))

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        title, text, declared = a.get("title"), text_of(a), declared_language(a)
        guess = prepared.take(a, "language", (title, text, declared))
        if guess is prepared.MISSING:
            # ~3 ms of CPU per record: in a worker process (which loads the profiles once).
            sample = sample_text(title, text)
            guess = await get_runner(self.crawler).run(detect_language, sample, declared)
        a["language"] = guess.code
        a["language_confidence"] = guess.confidence
        self.stats.inc_value(f"newsbot/language/{guess.code}")
        if guess.method == "declared":
            self.stats.inc_value("newsbot/language/from_declared")
        if self.languages and guess.code not in self.languages:
            self.stats.inc_value("newsbot/dropped/language")
            raise DropItem(f"language:{guess.code}")
        return item


class RelevancePipeline:
    """Sets ``conflict_score`` in [0, 1] from the lexicon; drops records below the minimum score."""

    def __init__(
        self, crawler: Crawler, lexicon: Lexicon, min_score: float, path: Path | None = None
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.lexicon = lexicon
        self.min_score = min_score
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_RELEVANCE_ENABLED", True):
            raise NotConfigured("NEWSBOT_RELEVANCE_ENABLED is off")
        path = resolve(settings.get("NEWSBOT_RELEVANCE_LEXICON"), settings_path("relevance"))
        lexicon = load_lexicon(path)
        try:
            min_score = settings.getfloat("NEWSBOT_MIN_CONFLICT_SCORE", 0.0)
        except ValueError as exc:
            raise ConfigError("NEWSBOT_MIN_CONFLICT_SCORE", None, f"not a number: {exc}") from exc
        if not 0.0 <= min_score <= 1.0:
            raise ConfigError("NEWSBOT_MIN_CONFLICT_SCORE", None, f"must be in [0, 1], got {min_score}")
        logger.info(
            "relevance lexicon %s: %s; minimum score %.2f",
            path,
            ", ".join(sorted(lexicon.languages)),
            min_score,
        )
        return cls(crawler, lexicon, min_score, path)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        # Language detection switched off or undecided: the page's own declaration is the best guess.
        language = relevance_language(a.get("language"), declared_language(a))
        title, text = a.get("title"), text_of(a)
        lexicon = str(self.path) if self.path is not None else None
        score = prepared.take(a, "relevance", (title, text, language, lexicon))
        if score is not prepared.MISSING:
            pass
        elif lexicon is not None:
            # The lexicon loaded here validated the files; workers load their own copy once.
            score = await get_runner(self.crawler).run(score_with_lexicon, lexicon, title, text, language)
        else:
            score = self.lexicon.score(title, text, language)
        if score is None:
            self.stats.inc_value("newsbot/relevance/unscored")
            score = 0.0
        a["conflict_score"] = score
        self.stats.inc_value(
            "newsbot/relevance/conflict" if score >= CONFLICT_THRESHOLD else "newsbot/relevance/other"
        )
        if score < self.min_score:
            self.stats.inc_value("newsbot/dropped/relevance")
            raise DropItem(f"relevance:{score:.2f}")
        return item
