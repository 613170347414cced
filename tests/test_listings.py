"""Hostile listings: sitemaps, feeds and robots.txt files that try to steer or exhaust the crawler.

Each test crawls ``tests/data/hostile/listings.py`` and reads what the server saw (its per-path
request counts), the crawl's stats and log, the run summary and the dataset. The crawls run in the
test process (:func:`tests.crawl_helpers.crawl`, the settings ``newsbot crawl`` gives); the DNS test
(the command's exit status) and the reactor-stall test (the lag of a crawl process of its own) run
``newsbot crawl``.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f

from newsbot.cli.exitcodes import COMPLETED_REASONS
from tests import crawl_helpers
from tests.crawl_helpers import tracebacks
from tests.data.hostile.harness import FAST, newsbot, read_rejects, summaries

HERE = Path(__file__).resolve().parent
SERVER = HERE / "data" / "hostile" / "listings.py"


class Site:
    def __init__(self, base: str, probe: int) -> None:
        self.base = base
        self.probe = probe

    def hits(self) -> dict[str, int]:
        with urlopen(f"{self.base}/control/hits", timeout=5) as resp:
            return json.loads(resp.read())


@contextmanager
def listings_site() -> Iterator[Site]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("listings server did not start")
        info = json.loads(line)
        yield Site(info["base"], info["probe"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()


async def crawl_in_process(
    out: Path, caplog: pytest.LogCaptureFixture, settings: dict | None = None, **spider_args: object
) -> Crawler:
    """``newsbot crawl --output OUT`` in the test process (inline, no retries, as :data:`FAST`)."""
    caplog.set_level(logging.INFO)  # the INFO lines the command prints
    settings = {"NEWSBOT_OUTPUT_DIR": str(out), "RETRY_TIMES": 0, **(settings or {})}
    crawler = await crawl_helpers.crawl("news", settings, **spider_args)
    # what the command's exit status 0 (or 4, every source failed) says of the run
    summary = summaries(out)[-1]
    assert summary["finish_reason"] in COMPLETED_REASONS and not summary.get("write_failed"), summary
    assert not tracebacks(caplog.records), caplog.text[-3000:]
    return crawler


def crawl(
    out: Path, *args: str, timeout: float = 120, tracebacks: bool = False
) -> subprocess.CompletedProcess[str]:
    proc = newsbot("crawl", "--output", str(out), *FAST, "-s", "RETRY_TIMES=0", *args, timeout=timeout)
    # 0, or 4 when every source of the run failed (a test whose only listing is refused)
    assert proc.returncode in (0, 4), proc.stderr[-3000:]
    if not tracebacks:
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def stat(proc: subprocess.CompletedProcess[str], key: str) -> int:
    """A ``newsbot/...`` counter of the run, from the summary its last line names (0 if absent)."""
    path = re.findall(r"; summary (\S+\.json)$", proc.stderr, re.M)[-1]
    return int(json.loads(Path(path).read_text(encoding="utf-8"))["counters"].get(key, 0))


# --- defect 2: only http(s) is fetched from a listing ------------------------------------------------


@deferred_f_from_coro_f
async def test_sitemap_index_children_with_other_schemes_are_never_followed(tmp_path: Path, caplog) -> None:
    local = tmp_path / "local-sitemap.xml"
    with listings_site() as site:
        local.write_text(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site.base}/article/from-file</loc></url></urlset>"
        )
        out = tmp_path / "out"
        crawler = await crawl_in_process(out, caplog, sitemaps=f"{site.base}/index/schemes.xml?file={local}")
        hits = site.hits()
    # the http child is followed, its article fetched ...
    assert hits.get("/urlset.xml") == 1 and hits.get("/article/urlset") == 1, hits
    # ... but nothing listed in the local file or the data: URL, and no FTP/gopher connection
    assert "/article/from-file" not in hits and "/article/from-data" not in hits, hits
    assert hits.get("probe:connections", 0) == 0, hits
    log = caplog.text
    assert "only http and https" in log
    assert summaries(out)[-1]["totals"]["listing_errors"] == 0
    skipped = crawler.stats.get_value("newsbot/discovery/skipped_scheme", 0)
    assert skipped == 7, skipped  # file: x2, ftp: x2, data:, gopher:, s3:


def test_non_http_download_handlers_are_off_by_default() -> None:
    from scrapy.settings import Settings

    from newsbot import settings as project

    settings = Settings()
    settings.setmodule(project, priority="project")
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    for scheme in ("file", "ftp", "data", "s3"):
        assert scheme in handlers and handlers[scheme] is None, (scheme, handlers)
    assert handlers["http"] and handlers["https"]


# --- defect 3: each listing fetched at most once a run, fan-out capped ------------------------------


@deferred_f_from_coro_f
async def test_a_self_listing_index_and_a_cycle_are_each_fetched_once(tmp_path: Path, caplog) -> None:
    with listings_site() as site:
        out = tmp_path / "out"
        settings = {"NEWSBOT_SITEMAP_MAX_DEPTH": 8}
        crawler = await crawl_in_process(out, caplog, settings, sitemaps=f"{site.base}/index/self.xml")
        hits = site.hits()
    assert hits.get("/index/self.xml") == 1, hits
    assert hits.get("/index/a.xml") == 1, hits
    assert hits.get("/index/b.xml") == 1, hits
    assert hits.get("/urlset.xml") == 1 and hits.get("/article/urlset") == 1, hits
    assert crawler.stats.get_value("newsbot/discovery/skipped_listing_repeat", 0) >= 4


@deferred_f_from_coro_f
async def test_robots_txt_sitemap_lines_are_capped(tmp_path: Path, caplog) -> None:
    with listings_site() as site:
        out = tmp_path / "out"
        settings = {"NEWSBOT_MAX_SITEMAPS_PER_ROBOTS": 25}
        crawler = await crawl_in_process(out, caplog, settings, sitemaps=f"{site.base}/fan/robots.txt?n=3000")
        hits = site.hits()
    fetched = [p for p in hits if p.startswith("/fan/") and p.endswith(".xml")]
    assert len(fetched) == 25, len(fetched)
    assert crawler.stats.get_value("newsbot/discovery/listings_capped", 0) == 1


@deferred_f_from_coro_f
async def test_sitemap_index_children_are_capped_by_default(tmp_path: Path, caplog) -> None:
    from newsbot import settings as project

    cap = project.NEWSBOT_MAX_SITEMAP_CHILDREN
    with listings_site() as site:
        out = tmp_path / "out"
        crawler = await crawl_in_process(out, caplog, sitemaps=f"{site.base}/index/wide.xml?n={cap + 500}")
        hits = site.hits()
    fetched = [p for p in hits if p.startswith("/wide/")]
    assert len(fetched) == cap, (len(fetched), cap)
    assert crawler.stats.get_value("newsbot/discovery/skipped_listing_cap", 0) == 500


@deferred_f_from_coro_f
async def test_listings_of_one_source_are_capped_per_run(tmp_path: Path, caplog) -> None:
    with listings_site() as site:
        out = tmp_path / "out"
        settings = {"NEWSBOT_MAX_LISTINGS_PER_SOURCE": 50}
        crawler = await crawl_in_process(out, caplog, settings, sitemaps=f"{site.base}/index/wide.xml?n=200")
        hits = site.hits()
    fetched = [p for p in hits if p.startswith("/wide/")]
    assert len(fetched) == 49, len(fetched)  # the index itself is the 50th
    assert crawler.stats.get_value("newsbot/discovery/skipped_listing_cap", 0) == 151


@pytest.mark.parametrize("name", ["NEWSBOT_MAX_SITEMAPS_PER_ROBOTS", "NEWSBOT_MAX_SITEMAP_CHILDREN"])
def test_fanout_caps_are_declared_and_documented(name: str) -> None:
    from newsbot import settings as project

    assert isinstance(getattr(project, name), int) and getattr(project, name) > 0
    assert name in (HERE.parent / "README.md").read_text(encoding="utf-8")


# --- defect 4: a feed that always answers 304 -----------------------------------------------------


@deferred_f_from_coro_f
async def test_a_feed_that_always_answers_304_fails_after_one_unconditional_request(
    tmp_path: Path, caplog
) -> None:
    with listings_site() as site:
        out = tmp_path / "out"
        feed = f"{site.base}/feed/always-304.xml"
        # CLOSESPIDER_TIMEOUT only ends the run if the listing loops (as it did): the assertions say how
        settings = {"CLOSESPIDER_TIMEOUT": 40}
        crawler = await crawl_in_process(out, caplog, settings, feeds=f"{feed},{site.base}/feed/amp.xml")
        hits = site.hits()
    assert hits.get("/feed/always-304.xml") == 1, hits
    assert hits.get("/feed/amp.xml") == 1, hits  # the other listing of the run goes on
    summary = summaries(out)[-1]
    assert summary["finish_reason"] == "finished"
    assert summary["totals"]["listing_errors"] == 1
    rejects = [r for r in read_rejects(out) if r["url"] == feed]
    assert [(r["reason"], r["discovery"]) for r in rejects] == [("not_modified_without_body", "listing")]
    assert crawler.stats.get_value("newsbot/discovery/not_modified_without_body", 0) == 1


@deferred_f_from_coro_f
async def test_a_304_with_an_unreadable_cached_body_is_retried_once_without_validators(
    tmp_path: Path, caplog
) -> None:
    from newsbot.discovery.conditional import cache_names

    with listings_site() as site:
        out = tmp_path / "out"
        feed = f"{site.base}/feed/always-304.xml"
        # validators remembered from an earlier run, the body they refer to damaged
        listings = out / "state" / "listings"
        listings.mkdir(parents=True)
        meta, body = (listings / name for name in cache_names(feed))
        meta.write_text(json.dumps({"etag": '"forever"', "last_modified": None}))
        body.write_bytes(b"\x1f\x8b not gzip at all")
        await crawl_in_process(out, caplog, {"CLOSESPIDER_TIMEOUT": 40}, feeds=feed)
        hits = site.hits()
    assert hits.get("/feed/always-304.xml") == 2, hits  # the conditional request, then one without
    assert summaries(out)[-1]["totals"]["listing_errors"] == 1
    assert [r["reason"] for r in read_rejects(out) if r["url"] == feed] == ["not_modified_without_body"]


# --- defect 10: reject reasons of a stream cut at the size cap and of DNS failures -----------------


@deferred_f_from_coro_f
async def test_a_stream_cut_at_the_size_cap_is_too_large_and_not_fetched_again(
    tmp_path: Path, caplog
) -> None:
    with listings_site() as site:
        out = tmp_path / "out"
        url = f"{site.base}/stream/huge?mb=3"
        for _ in range(2):
            caplog.clear()
            settings = {"DOWNLOAD_MAXSIZE": 1000000, "DOWNLOAD_WARNSIZE": 0}
            await crawl_in_process(out, caplog, settings, urls=[url])
        hits = site.hits()
    assert "Content-Length" not in caplog.text  # (the server sends none: nothing to check up front)
    rejects = read_rejects(out)
    assert [(r["url"], r["reason"]) for r in rejects] == [(url, "too_large")], rejects
    assert "1000000" in rejects[0]["detail"]
    assert hits.get("/stream/huge") == 1, hits  # the second run remembers the settled reject


def test_a_host_that_does_not_resolve_is_a_dns_reject(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # RFC 2606: .invalid never resolves, and the lookup does not leave the machine's resolver
    urls = ["http://news.nohost.invalid/world/story-1", "https://wire.example.invalid/a.html"]
    for block in ("True", "False"):  # with the private-address guard and without it
        # (Scrapy's robots.txt middleware logs the failed robots.txt download with its traceback)
        proc = crawl(out, "--urls", *urls, "-s", f"NEWSBOT_BLOCK_PRIVATE_ADDRESSES={block}", tracebacks=True)
        assert proc.returncode == 4  # every source failed
    reasons = [(r["url"], r["reason"]) for r in read_rejects(out)]
    assert sorted(reasons) == sorted([(u, "dns") for u in urls] * 2), reasons
    assert summaries(out)[-1]["totals"]["drops"] == {"dns": 2}


# --- defect 1: URLs stored exactly, text cleaned once where it is extracted -------------------------


@deferred_f_from_coro_f
async def test_urls_and_quoted_markup_are_stored_exactly_and_not_fetched_again(
    tmp_path: Path, caplog
) -> None:
    import duckdb

    from newsbot.identify.canonical import canonicalize
    from tests.data.hostile.harness import read_articles
    from tests.data.hostile.listings import AMP_QUERIES

    with listings_site() as site:
        out = tmp_path / "out"
        feed = f"{site.base}/feed/amp.xml"
        await crawl_in_process(out, caplog, feeds=feed)
        first = site.hits().get("/story", 0)
        await crawl_in_process(out, caplog, feeds=feed)
        second = site.hits().get("/story", 0) - first
    listed = sorted(f"{site.base}/story?{q}" for q in AMP_QUERIES)
    rows = sorted(read_articles(out).to_pylist(), key=lambda r: r["url"])
    assert [r["url"] for r in rows] == listed
    assert [r["discovered_url"] for r in rows] == listed
    assert [r["canonical_url"] for r in rows] == [canonicalize(u) for u in listed]
    assert all(r["discovered_from"] == feed for r in rows)
    duck = duckdb.sql(
        f"SELECT url, canonical_url, body FROM read_parquet('{out}/articles/**/*.parquet', "
        "hive_partitioning=true) ORDER BY url"
    ).fetchall()
    assert [u for u, _, _ in duck] == listed
    for _, canonical, body in duck:
        assert not set("§®¬©×¶") & set(canonical), canonical
        # what the reader of the page sees, as it reads
        assert "the label printed on the crates reads &amp; and nothing else" in body
        assert "broke lines with a <br> tag where" in body
    assert first == 3 and second == 0, (first, second)


# --- defect 9: hostile listings do not stall the reactor --------------------------------------------


def test_hostile_listings_are_refused_or_parsed_off_the_reactor(tmp_path: Path) -> None:
    """An entity-expansion feed, a 60,000-item feed and a 9 MB robots.txt in one crawl: the first is
    refused, the second parsed in the worker pool and admitted in slices, the third read to its
    first 500 KiB; the reactor's longest stall (ReactorLag) stays far below the seconds each cost
    the main thread before (6, 9 and 11 s). The lag bound is loose on purpose (a loaded machine);
    the mechanisms are asserted by their counters."""
    with listings_site() as site:
        out = tmp_path / "out"
        urlopen(f"{site.base}/control/robots-mb/9", timeout=5).read()
        proc = crawl(
            out, "--feeds", f"{site.base}/feed/laughs.xml", f"{site.base}/feed/big.xml?n=60000",
            "--sitemaps", f"{site.base}/big/robots.txt?mb=9",
            "-s", "NEWSBOT_WORKERS=1", "-s", "NEWSBOT_REACTOR_LAG_ENABLED=True",
            "-s", "NEWSBOT_MAX_SCHEDULED=50",
            # a time bound, not an asserted figure: on a machine loaded 4x over, the worker parsing
            # 60,000 items took longer than a minute (the default bound of one call); the crawl
            # still stops at 60 s and the parse that is under way is awaited
            "-s", "CLOSESPIDER_TIMEOUT=60", "-s", "NEWSBOT_WORKER_TIMEOUT=300",
            timeout=400,
        )  # fmt: skip
        hits = site.hits()
    assert "/article/laughs" not in hits, hits
    assert stat(proc, "newsbot/discovery/refused") == 1
    assert stat(proc, "newsbot/discovery/parsed_in_pool") == 1
    assert stat(proc, "newsbot/discovery/feed_entries") == 60000, proc.stderr[-3000:]
    assert stat(proc, "newsbot/robotstxt/truncated") == 1
    assert hits.get("/urlset.xml", 0) == 0  # its Sitemap: line is past the first 500 KiB
    reactor = summaries(out)[-1]["reactor"]
    assert reactor["max_lag_ms"] is not None and reactor["max_lag_ms"] < 1500, reactor
