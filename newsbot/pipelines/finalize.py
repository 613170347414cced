"""Finalize: the cleaned paragraphs become ``body``; counts, hash and fallbacks are filled in."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newsbot.identify.shingles import content_hash
from newsbot.run import run_id
from newsbot.storage.records import clean_text

_WORD = re.compile(r"\w+")


def count_words(body: str) -> int:
    return len(_WORD.findall(body))


class FinalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.run_id = run_id(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FinalizePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        if paragraphs:
            a["body"] = clean_text("\n".join(paragraphs), multiline=True) or ""
        body = a.get("body") or ""
        a["word_count"] = count_words(body)
        a["content_hash"] = content_hash(body)
        a["run_id"] = self.run_id
        if not a.get("canonical_url"):
            # The identify stage normally sets these; without it the fetched URL stands in.
            a["canonical_url"] = a["url"]
        if not a.get("id"):
            a["id"] = hashlib.sha256(a["canonical_url"].encode("utf-8")).hexdigest()[:32]
        return item
