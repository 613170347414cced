"""The ``gdelt`` spider against a loopback stand-in of the DOC 2.0 API that lists demo-site pages.

The crawls run in the test process; the bad-argument test (the command's message) and the
busy-machine shutdown test (the pool's processes, the run's whole log) run ``scrapy crawl``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f

from newsbot.config.errors import ConfigError
from newsbot.discovery import gdelt as api
from newsbot.spiders.api import retry_delay
from newsbot.spiders.gdelt import GdeltArgs
from tests.apistub import RunningStub
from tests.crawl_helpers import crawl, scrapy_crawl, tracebacks

DATA = Path(__file__).parent / "data"
WINDOW = ("-a", "start=20261120000000", "-a", "end=20261121000000")
WINDOW_ARGS = {"start": "20261120000000", "end": "20261121000000"}
MERIDIAN = ("meridian", "United Kingdom", "meridianherald.example", "en")
LISTED = {
    "/world/2026/11/kherson-drone-strikes.html": MERIDIAN,
    "/world/2026/11/sudan-displacement-camps.html": MERIDIAN,
    "/world/2026/11/sudan-jeddah-talks-stall.html": MERIDIAN,
    "/en/2026/11/iraq-sinjar-returns.html": ("levant", "Lebanon", "levantdispatch.example", "en"),
    "/en/2026/11/syria-idlib-returnees.html": ("levant", "Lebanon", "levantdispatch.example", "en"),
    "/ar/2026/11/yemen-hodeidah-clashes.html": ("levant", "Lebanon", "levantdispatch.example", "ar"),
    "/uk/2026/11/zaporizhzhia-shelling.html": ("kyiv", "Ukraine", "kyivcourier.example", "uk"),
}  # fmt: skip


@pytest.fixture
def stub(demo_site, tmp_path) -> Iterator[RunningStub]:
    running = RunningStub(DATA, tmp_path / "stub.jsonl", demo_site.base_urls)
    try:
        yield running
    finally:
        running.stop()


async def crawl_api(
    stub: RunningStub,
    out: Path,
    sources: Path | None = None,
    settings: dict | None = None,
    **spider_args: str,
) -> Crawler:
    """A ``gdelt`` crawl of the stand-in, in the test process, run to its end."""
    crawler = await crawl(
        "gdelt",
        {
            "NEWSBOT_GDELT_API_URL": stub.gdelt_url,
            "NEWSBOT_GDELT_API_DELAY": 0,
            "NEWSBOT_OUTPUT_DIR": str(out),
            **({"NEWSBOT_SOURCES_FILE": str(sources)} if sources else {}),
            **(settings or {}),
        },
        **WINDOW_ARGS,
        **spider_args,
    )
    assert crawler.stats.get_value("finish_reason") == "finished"
    return crawler


def crawl_command(stub: RunningStub, out: Path, *args: str):
    """The same crawl as ``scrapy crawl gdelt``, in a subprocess."""
    return scrapy_crawl(
        *args,
        "-s", f"NEWSBOT_GDELT_API_URL={stub.gdelt_url}",
        "-s", "NEWSBOT_GDELT_API_DELAY=0",
        "-s", f"NEWSBOT_OUTPUT_DIR={out}",
        spider="gdelt",
    )  # fmt: skip


def rows(out: Path) -> list[dict]:
    path = out / "articles"
    if not path.exists():
        return []
    return ds.dataset(str(path), format="parquet", partitioning="hive").to_table().to_pylist()


# --- a real crawl ----------------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_listed_articles_are_stored_with_gdelt_metadata(stub, demo_site, tmp_path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    out = tmp_path / "out"
    demo_site.clear_log()  # the demo site is shared by the session: count this crawl's requests only
    crawler = await crawl_api(stub, out, sources=sources, slice="6h", max_records="2")

    stored = {r["url"].split(":", 2)[2].split("/", 1)[1]: r for r in rows(out)}
    assert {"/" + path for path in stored} == set(LISTED)
    for path, (source, country, domain, lang) in LISTED.items():
        r = stored[path.lstrip("/")]
        assert (r["source"], r["source_country"], r["domain"], r["declared_language"]) == (
            source,
            country,
            domain,
            lang,
        ), path
        assert r["discovery"] == "gdelt"
        assert r["discovered_from"].startswith(stub.gdelt_url + "?")
        assert r["seen_at"].tzinfo is not None and r["seen_at"].date().isoformat() == "2026-11-20"
        assert r["body"] and r["title"]
    kherson = stored["world/2026/11/kherson-drone-strikes.html"]
    assert kherson["seen_at"] == datetime(2026, 11, 20, 6, 15, tzinfo=UTC)

    calls = stub.requests("/api/v2/doc/doc")
    # Four 6-hour slices, and the slices that hit max_records=2 asked again in halves.
    assert len(calls) > 4
    s = crawler.stats.get_stats()
    assert s["newsbot/gdelt/capped"] == s["newsbot/gdelt/splits"] >= 3
    for call in calls:
        q = call["query"]
        assert (q["mode"], q["format"], q["maxrecords"]) == ("ArtList", "json", "2")
        assert "20261120000000" <= q["startdatetime"] < q["enddatetime"] <= "20261121000000"
        assert call["user_agent"].startswith("newsbot/")
    # The window covers the day exactly once: the leaf slices (those not split further) tile it.
    windows = {(c["query"]["startdatetime"], c["query"]["enddatetime"]) for c in calls}
    leaves = sorted(w for w in windows if not any(o != w and w[0] <= o[0] and o[1] <= w[1] for o in windows))
    assert leaves[0][0] == "20261120000000" and leaves[-1][1] == "20261121000000"
    assert all(a[1] == b[0] for a, b in zip(leaves, leaves[1:], strict=False)), leaves
    # The article seen after the window is never fetched.
    assert not any("red-sea" in r["path"] for r in demo_site.requests())


@deferred_f_from_coro_f
async def test_api_calls_keep_their_distance(stub, tmp_path) -> None:
    await crawl_api(
        stub, tmp_path / "out", settings={"NEWSBOT_GDELT_API_DELAY": 1}, slice="8h", query="emptyanswer"
    )
    times = [c["time"] for c in stub.requests("/api/v2/doc/doc")]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.9


@deferred_f_from_coro_f
async def test_429_waits_for_retry_after_then_succeeds(stub, tmp_path) -> None:
    out = tmp_path / "out"
    crawler = await crawl_api(stub, out, slice="24h", query="(ratelimited OR shelling)")
    calls = stub.requests("/api/v2/doc/doc")
    assert [c["status"] for c in calls] == [429, 200]
    # Retry-After: 3 (the stand-in), longer than the 1 s first backoff it would otherwise wait
    assert calls[1]["time"] - calls[0]["time"] >= 2.9
    assert calls[0]["query"] == calls[1]["query"]
    s = crawler.stats.get_stats()
    assert s["newsbot/gdelt/http_429"] == 1 and s["newsbot/gdelt/retries"] == 1
    # The answer after the retry lists the top articles, which are fetched and stored.
    assert len(rows(out)) >= 1


@pytest.mark.parametrize(
    ("query", "key"),
    [("malformed", "errors"), ("badsyntax", "errors"), ("emptyanswer", "empty_answers")],
)
@deferred_f_from_coro_f
async def test_unusable_answers_are_counted_not_fatal(stub, tmp_path, query, key, caplog) -> None:
    crawler = await crawl_api(stub, tmp_path / "out", slice="12h", query=query)
    assert not tracebacks(caplog.records)
    assert crawler.stats.get_value(f"newsbot/gdelt/{key}") == 2  # both slices, and the run went on
    assert len(stub.requests("/api/v2/doc/doc")) == 2


def test_bad_argument_stops_the_run_naming_it(tmp_path) -> None:
    proc = scrapy_crawl("-a", "max_records=500", "-s", f"NEWSBOT_OUTPUT_DIR={tmp_path}", spider="gdelt")
    assert "field 'max_records'" in proc.stderr
    assert "Crawled" not in proc.stderr


# --- arguments -------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


def test_default_arguments() -> None:
    a = GdeltArgs.parse({}, now=NOW)
    assert a.start == NOW - timedelta(hours=24) and a.end == NOW
    assert a.slice == timedelta(hours=1) and a.max_records == 250
    assert a.query.startswith("(") and a.query.endswith(")")
    api.check_query(a.query)


def test_language_filter_is_a_query_operator() -> None:
    a = GdeltArgs.parse({"query": "shelling", "languages": "ar, uk"}, now=NOW)
    assert a.api_query == "shelling (sourcelang:arabic OR sourcelang:ukrainian)"
    assert GdeltArgs.parse({"query": "shelling", "languages": "fr"}).api_query == "shelling sourcelang:french"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"query": "tank OR drone"}, "query"),
        ({"query": "(tank OR drone"}, "query"),
        ({"query": "UN convoy"}, "query"),
        ({"timespan": "yesterday"}, "timespan"),
        ({"timespan": "200d"}, "timespan"),
        ({"start": "2026-11-20"}, "start"),
        ({"start": "20261120000000", "end": "20261119000000"}, "end"),
        ({"start": "20261120000000", "timespan": "1h"}, "timespan"),
        ({"end": "20261120000000"}, "end"),
        ({"max_records": "0"}, "max_records"),
        ({"max_records": "251"}, "max_records"),
        ({"languages": "xx"}, "languages"),
        ({"slice": "0h"}, "slice"),
        ({"sources": "meridian"}, "sources"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, field) -> None:
    with pytest.raises(ConfigError) as err:
        GdeltArgs.parse(kwargs, now=NOW)
    assert err.value.field == field


def test_queries_the_api_accepts() -> None:
    accepted = ['"armed clashes"', '(airstrike OR "killed in fighting") sourcecountry:sudan', "-sport war"]
    for q in accepted:
        assert api.check_query(q) == q


# --- answers and slices ------------------------------------------------------------------------------


def test_artlist_answer() -> None:
    text = (DATA / "gdelt" / "artlist.json").read_text(encoding="utf-8").replace("{{base:", "{{")
    text = re.sub(r"\{\{(\w+)\}\}", r"https://\1.example", text)
    answer = api.parse_artlist(text.encode())
    assert answer.records == 9 and len(answer.entries) == 8  # one record has no URL
    first = answer.entries[0]
    assert first.url == "https://meridian.example/world/2026/11/kherson-drone-strikes.html"
    assert first.language == "en" and first.title.startswith("Drone strikes")
    assert first.extra["seen_at"] == datetime(2026, 11, 20, 6, 15, tzinfo=UTC)
    assert first.extra["source_country"] == "United Kingdom"
    assert first.extra["domain"] == "meridianherald.example"
    assert {e.language for e in answer.entries} == {"en", "ar", "uk"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"Queries containing OR'd terms must be surrounded by ().", "API error: Queries containing"),
        (b'{"articles": [{"url": "ht', "malformed JSON"),
        (b"[1, 2]", "unexpected JSON list"),
    ],
)
def test_unusable_answers_raise(body, why) -> None:
    with pytest.raises(api.GdeltError, match=re.escape(why)):
        api.parse_artlist(body)


def test_empty_answers_list_nothing() -> None:
    assert api.parse_artlist(b"").records == 0
    assert api.parse_artlist(b"{}").records == 0
    assert api.parse_artlist(json.dumps({"articles": []}).encode()).entries == []


def test_slices_tile_the_window() -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    parts = api.slices(start, start + timedelta(hours=5, minutes=30), timedelta(hours=2))
    assert [(p.start.hour, p.end.hour, p.end.minute) for p in parts] == [(0, 2, 0), (2, 4, 0), (4, 5, 30)]
    a, b = parts[0].halves()
    assert a.end == b.start == start + timedelta(hours=1) and a.depth == b.depth == 1
    url = api.artlist_url("http://x/api/v2/doc/doc", "shelling", parts[0], 250)
    assert "startdatetime=20261120000000&enddatetime=20261120020000" in url
    assert "mode=ArtList&format=json&maxrecords=250" in url


def test_retry_delay() -> None:
    assert retry_delay(b"7", 0, 5.0, 300.0) == 7.0
    assert retry_delay(None, 2, 5.0, 300.0) == 20.0
    assert retry_delay(None, 10, 5.0, 300.0) == 300.0
    assert retry_delay(b"Wed, 21 Oct 2015 07:28:00 GMT", 0, 5.0, 300.0) == 0.0  # a date in the past


def test_worker_processes_close_without_disturbing_the_shutdown_on_a_busy_machine(stub, tmp_path) -> None:
    """The pool used to be joined in the reactor thread: with the cores busy (the workers still
    starting up when the short run ends), the stall made Scrapy's download-handler close fire its
    Deferred twice, ``[twisted] CRITICAL ... AlreadyCalledError`` after "Spider closed"."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        for n in range(2):
            proc = crawl_command(
                stub, tmp_path / f"out{n}", *WINDOW, "-a", "slice=12h", "-a", "query=malformed",
                "-s", "NEWSBOT_WORKERS=2",
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr[-3000:]
            after_close = proc.stderr[proc.stderr.index("Spider closed") :]
            assert "Traceback" not in proc.stderr and "CRITICAL" not in proc.stderr, after_close[:3000]
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
