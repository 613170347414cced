"""One worker call per record for the pure work of the enrich, finalize and identify stages.

Runs after the clean stages, before language detection::

    ITEM_PIPELINES = {
        ...
        "newsbot.pipelines.clean.QualityPipeline": 230,
        "newsbot.pipelines.analysis.AnalysisPipeline": 290,
        "newsbot.pipelines.enrich.LanguagePipeline": 300,
        ...
    }

It sends the cleaned text to :func:`newsbot.worker_jobs.analyse_text` and offers each result to
the pipeline that owns it (:mod:`newsbot.prepared`): the language guess, the relevance score,
the body with its word count and hash, the shingle hashes of the near-duplicate signature.
Each of those pipelines still decides and records everything itself, and computes its own result
if the input it sees is not the one the result was computed from. Only stages the crawl runs are
prepared.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot import prepared
from newsbot.config.paths import resolve, settings_path
from newsbot.identify.neardup import NearDupParams
from newsbot.pipelines.enrich import declared_language, text_of
from newsbot.worker_jobs import AnalysisPlan, analyse_text
from newsbot.workers import WorkerTimeout, get_runner


class AnalysisPipeline:
    def __init__(self, crawler: Crawler, plan: AnalysisPlan) -> None:
        self.crawler = crawler
        self.plan = plan

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnalysisPipeline:
        settings = crawler.settings
        language = prepared.pipeline_enabled(
            settings, "newsbot.pipelines.enrich.LanguagePipeline", "NEWSBOT_LANGUAGE_ENABLED"
        )
        lexicon = None
        if prepared.pipeline_enabled(
            settings, "newsbot.pipelines.enrich.RelevancePipeline", "NEWSBOT_RELEVANCE_ENABLED"
        ):
            lexicon = str(resolve(settings.get("NEWSBOT_RELEVANCE_LEXICON"), settings_path("relevance")))
        neardup = None
        if prepared.pipeline_enabled(
            settings, "newsbot.pipelines.identify.NearDuplicatePipeline", "NEWSBOT_NEARDUP_ENABLED"
        ):
            p = NearDupParams()
            neardup = (p.shingle, p.min_shingles)
        if not (language or lexicon or neardup) and not prepared.pipeline_enabled(
            settings, "newsbot.pipelines.finalize.FinalizePipeline"
        ):
            raise NotConfigured("no stage to prepare")
        return cls(crawler, AnalysisPlan(language=language, lexicon=lexicon, neardup=neardup))

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = list(a.get("paragraphs") or [])
        title, text, declared = a.get("title"), text_of(a), declared_language(a)
        try:
            res = await get_runner(self.crawler).run(
                analyse_text, title, text, declared, a.get("language"), self.plan
            )
        except WorkerTimeout as exc:
            self.crawler.stats.inc_value("newsbot/analysis/timeout")
            raise DropItem(f"analysis_timeout: {exc}") from exc
        if res.language is not None:
            prepared.offer(a, "language", (title, text, declared), res.language)
        if res.relevance_language is not None:
            inputs = (title, text, res.relevance_language, self.plan.lexicon)
            prepared.offer(a, "relevance", inputs, res.score)
        if paragraphs:
            # finalize builds the body from the paragraphs; API records keep the body they came with
            prepared.offer(a, "finalize", paragraphs, (res.body, res.word_count, res.content_hash))
            if self.plan.neardup is not None:
                prepared.offer(a, "neardup", (res.body, self.plan.neardup), res.shingles)
        return item
