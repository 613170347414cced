"""End to end: the real ``news`` spider and pipelines crawl the demo site on loopback.

The crawls run in the test process (:func:`tests.crawl_helpers.crawl`); the demo crawl's pages
are extracted in a worker pool of one process (``NEWSBOT_WORKERS=1``) as in a real run. The
bad-argument test is about the command's exit status and message, and runs ``scrapy crawl``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from pytest_twisted import blockon
from scrapy.utils.defer import deferred_f_from_coro_f, deferred_from_coro

from newsbot.process.pool import ProcessPoolRunner, get_runner
from newsbot.storage.schema import ARTICLE_SCHEMA
from tests.crawl_helpers import crawl, scrapy_crawl

REQUIRED = {
    "id": pa.string(),
    "url": pa.string(),
    "canonical_url": pa.string(),
    "source": pa.string(),
    "title": pa.string(),
    "body": pa.string(),
    "authors": pa.list_(pa.string()),
    "published_at": pa.timestamp("us", tz="UTC"),
    "fetched_at": pa.timestamp("us", tz="UTC"),
    "language": pa.string(),
    "content_hash": pa.string(),
    "duplicate_of": pa.string(),
}


def read_dataset(out: Path) -> pa.Table:
    return ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table()


@pytest.fixture(scope="module")
def demo_crawl(demo_site, tmp_path_factory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("demo-crawl")
    sources = tmp / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    demo_site.clear_log()
    out = tmp / "out"
    settings = {"NEWSBOT_SOURCES_FILE": str(sources), "NEWSBOT_OUTPUT_DIR": str(out), "NEWSBOT_WORKERS": 1}
    crawler = blockon(deferred_from_coro(crawl(settings=settings)))
    assert crawler.stats.get_value("finish_reason") == "finished"
    # the pages went through a worker process, not inline (the pool path runs in-process too)
    assert isinstance(get_runner(crawler), ProcessPoolRunner)
    return out, crawler


def test_dataset_has_the_design_schema(demo_crawl) -> None:
    out, _ = demo_crawl
    table = read_dataset(out)
    for name, typ in REQUIRED.items():
        assert table.schema.field(name).type == typ, name
    assert pa.types.is_integer(table.schema.field("word_count").type)
    assert pa.types.is_floating(table.schema.field("conflict_score").type)
    assert table.num_rows >= 15
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids))
    for f in pq.ParquetDataset(str(out / "articles")).files:
        meta = pq.read_metadata(f)
        assert meta.schema.to_arrow_schema().metadata[b"newsbot.schema_version"] == b"2"
        assert "date=" in f


def test_duckdb_reads_the_dataset(demo_crawl) -> None:
    out, _ = demo_crawl
    rows = duckdb.sql(
        f"SELECT source, count(*) AS n, min(word_count) AS w FROM "
        f"read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) GROUP BY source ORDER BY source"
    ).fetchall()
    sources = {r[0] for r in rows}
    assert {"meridian", "sahel", "levant", "kyiv"} <= sources
    assert all(r[2] > 0 for r in rows)


def test_records_are_clean_articles(demo_crawl) -> None:
    out, _ = demo_crawl
    table = read_dataset(out).to_pylist()
    for rec in table:
        assert rec["body"].strip(), rec["url"]
        assert "\n\n" not in rec["body"]
        assert rec["title"] and "Meridian Herald" not in rec["title"], rec["title"]
        assert rec["fetched_at"] is not None
        assert rec["url"].startswith("http://127.0.0.1:")
        assert rec["url"].split("/", 3)[3] != "", "a front page is not an article"
    with_time = [r for r in table if r["published_at"] is not None]
    assert len(with_time) >= len(table) * 0.8


def test_nothing_disappears_silently(demo_crawl, demo_site) -> None:
    out, _ = demo_crawl
    rejects = ds.dataset(str(out / "rejects"), format="parquet", partitioning="hive").to_table().to_pylist()
    reasons = {r["reason"] for r in rejects}
    assert "http_404" in reasons  # the feed item pointing at a missing page
    for r in rejects:
        assert r["url"] and r["time"] is not None and r["reason"]


def test_robots_txt_is_obeyed(demo_crawl, demo_site) -> None:
    paths = [r["path"] for r in demo_site.requests()]
    assert any(p == "/robots.txt" for p in paths)
    assert not any(p.startswith("/search") or p.startswith("/subscribe") for p in paths)


@deferred_f_from_coro_f
async def test_ad_hoc_feeds_sitemaps_urls_and_parquet_feed_export(demo_site, tmp_path) -> None:
    out = tmp_path / "out"
    export = tmp_path / "export.parquet"
    crawler = await crawl(
        settings={
            "NEWSBOT_OUTPUT_DIR": str(out),
            # what ``-O export.parquet`` sets
            "FEEDS": {str(export): {"format": "parquet", "overwrite": True}},
        },
        feeds=demo_site.url("sahel", "/feeds/atom.xml"),
        sitemaps=demo_site.url("kyiv", "/sitemap.xml"),
        urls=demo_site.url("meridian", "/"),
    )
    assert crawler.stats.get_value("finish_reason") == "finished"
    stored = read_dataset(out)
    exported = pq.read_table(export)
    assert exported.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert sorted(exported.column("id").to_pylist()) == sorted(stored.column("id").to_pylist())
    hosts = {s.split(":")[0] for s in stored.column("source").to_pylist()}
    assert hosts == {"127.0.0.1"}  # ad-hoc runs name sources by host


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["-a", "feeds=not-a-url"], "feeds"),
        (["-a", "colour=blue"], "colour"),
        (["-a", "sources=no-such-source"], "no-such-source"),
    ],
)
def test_bad_spider_argument_stops_the_run_and_names_it(args, named, demo_site, tmp_path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    proc = scrapy_crawl(
        *args, "-s", f"NEWSBOT_OUTPUT_DIR={tmp_path}", "-s", f"NEWSBOT_SOURCES_FILE={sources}"
    )
    assert proc.returncode != 0
    assert named in proc.stderr
    assert not (tmp_path / "articles").exists()


def test_records_are_labelled_and_linked(demo_crawl) -> None:
    out, _ = demo_crawl
    rows = read_dataset(out).to_pylist()
    by_path = {r["url"].split("/", 3)[3]: r for r in rows}
    # Languages, detected on the cleaned body, across the four outlets.
    assert {r["language"] for r in rows} >= {"en", "fr", "ar", "uk", "ru"}
    assert all(0.0 <= r["conflict_score"] <= 1.0 for r in rows)
    # Conflict coverage above 0.5, the football "attack" and the supermarket "price war" below.
    assert by_path["world/2026/11/kherson-drone-strikes"]["conflict_score"] > 0.5
    assert by_path["sport/2026/11/rovers-attack-city"]["conflict_score"] < 0.5
    assert by_path["economie/2026/11/22/dakar-guerre-des-prix-supermarches/"]["conflict_score"] < 0.5
    # The wire story republished by a second outlet points at the first copy; both are stored.
    wire = by_path["world/2026/11/sudan-jeddah-talks-stall"]
    copy = by_path["en/2026/11/sudan-ceasefire-talks-jeddah.html"]
    # exactly one copy points at the other (never at itself)
    assert (wire["duplicate_of"], copy["duplicate_of"]) in {(None, wire["id"]), (copy["id"], None)}
    # Times of day from JSON-LD/meta with their offsets; the sitemap's date where the page has none.
    assert sum(1 for r in rows if r["published_at"] and r["published_at"].hour) >= len(rows) // 2
    red_sea = by_path["analysis/red-sea-shipping-insurance"]["published_at"]
    assert (red_sea.year, red_sea.month, red_sea.day, red_sea.hour, red_sea.minute) == (2026, 11, 20, 6, 30)
    # Authors are names: no "By", no roles, no outlet.
    authors = [a for r in rows for a in r["authors"]]
    assert "Jane Doe" in authors
    assert not any(
        a.lower().startswith("by ") or "staff" in a.lower() or "herald" in a.lower() for a in authors
    )
