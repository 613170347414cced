"""Finalize: the body computed in the page's worker call; run id and fallbacks filled in."""

from __future__ import annotations

import hashlib
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newsbot.config.run import run_id
from newsbot.pipelines.page import page_of
from newsbot.process.build import build_plan
from newsbot.process.stages import body


class FinalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.run_id = run_id(crawler)
        self.plan = build_plan(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FinalizePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        page = page_of(a, self.plan, "body")
        if page.final_body is None:
            # A plan without the body stage: it runs here, so the stored body is still tidied and
            # its hash and count are those of the body that is stored.
            body(page, self.plan)
        # The stored row keeps this body as it is (records.article_row converts types only).
        a["body"], a["word_count"], a["content_hash"] = page.final_body, page.word_count, page.content_hash
        a["run_id"] = self.run_id
        if not a.get("canonical_url"):
            # The identify stage normally sets these; without it the fetched URL stands in.
            a["canonical_url"] = a["url"]
        if not a.get("id"):
            a["id"] = hashlib.sha256(a["canonical_url"].encode("utf-8")).hexdigest()[:32]
        return item
