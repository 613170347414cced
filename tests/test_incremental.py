"""Cron-style incremental crawls: a second run over the same sources fetches no stored article.

The crawls run in the test process, one after the other (:func:`tests.crawl_helpers.crawl`)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
from scrapy.utils.defer import deferred_f_from_coro_f

from tests.crawl_helpers import crawl

LISTING_SUFFIXES = (".xml", ".xml.gz", ".rdf", "/robots.txt")


async def _crawl(demo_site, sources: Path, out: Path) -> None:
    crawler = await crawl(settings={"NEWSBOT_SOURCES_FILE": str(sources), "NEWSBOT_OUTPUT_DIR": str(out)})
    assert crawler.stats.get_value("finish_reason") == "finished"


def _rows(out: Path) -> list[dict]:
    return ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table().to_pylist()


@deferred_f_from_coro_f
async def test_second_run_fetches_only_listings_and_adds_nothing(demo_site, tmp_path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    out = tmp_path / "out"

    demo_site.clear_log()
    await _crawl(demo_site, sources, out)
    first = _rows(out)
    first_requests = demo_site.requests()
    assert len(first) >= 15

    demo_site.clear_log()
    await _crawl(demo_site, sources, out)
    second = _rows(out)
    second_requests = demo_site.requests()

    assert len(second) == len(first)  # no record added
    fetched = [r["path"] for r in second_requests]
    articles = [p for p in fetched if not p.split("?")[0].endswith(LISTING_SUFFIXES)]
    assert articles == [], articles  # not through a redirect, a tracking-parameter or an AMP variant
    # every listing came back 304 Not Modified: the server supports validators
    listing_statuses = {r["status"] for r in second_requests if r["path"] != "/robots.txt"}
    assert listing_statuses == {304}, second_requests
    assert len(second_requests) < len(first_requests)


@deferred_f_from_coro_f
async def test_one_record_per_article_whatever_url_led_there(demo_site, tmp_path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    out = tmp_path / "out"
    await _crawl(demo_site, sources, out)
    rows = _rows(out)
    canon = [r["canonical_url"] for r in rows]
    assert len(canon) == len(set(canon))
    assert not any("utm_" in c or "fbclid" in c or "/amp/" in c for c in canon)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
