"""Finalize: the cleaned paragraphs become ``body``; counts, hash and fallbacks are filled in."""

from __future__ import annotations

import hashlib
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newsbot import prepared
from newsbot.identify.shingles import content_hash
from newsbot.run import run_id
from newsbot.storage.records import FINALIZED_BODY
from newsbot.storage.text import clean_text, count_words


class FinalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.run_id = run_id(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FinalizePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        paragraphs = a.get("paragraphs") or []
        done = prepared.take(a, "finalize", paragraphs) if paragraphs else prepared.MISSING
        if done is not prepared.MISSING:
            # Computed in the analysis worker call from these very paragraphs.
            a["body"], a["word_count"], a["content_hash"] = done
        else:
            # Records built from an API answer arrive with a body and no paragraphs: it is cleaned
            # here too, so that the hash and the count are those of the body that is stored.
            text = "\n".join(paragraphs) if paragraphs else a.get("body") or ""
            a["body"] = clean_text(text, multiline=True) or ""
            a["word_count"] = count_words(a["body"])
            a["content_hash"] = content_hash(a["body"])
        # The body is clean: the stored row keeps it as it is (unless a later stage changes it).
        prepared.offer(a, FINALIZED_BODY, a["body"], True)
        a["run_id"] = self.run_id
        if not a.get("canonical_url"):
            # The identify stage normally sets these; without it the fetched URL stands in.
            a["canonical_url"] = a["url"]
        if not a.get("id"):
            a["id"] = hashlib.sha256(a["canonical_url"].encode("utf-8")).hexdigest()[:32]
        return item
