"""The ``reliefweb`` spider against a loopback stand-in of the ReliefWeb API v2.

The crawls run in the test process; the missing-appname test (the command's message) runs
``scrapy crawl``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f

from newsbot.config.errors import ConfigError
from newsbot.discovery import reliefweb as api
from newsbot.spiders.reliefweb import ReliefWebArgs
from tests.apistub import RunningStub
from tests.crawl_helpers import crawl, scrapy_crawl, tracebacks

DATA = Path(__file__).parent / "data"
REPORTS = json.loads((DATA / "reliefweb" / "reports.json").read_text(encoding="utf-8"))["data"]


@pytest.fixture
def stub(tmp_path) -> Iterator[RunningStub]:
    running = RunningStub(DATA, tmp_path / "stub.jsonl")
    try:
        yield running
    finally:
        running.stop()


async def crawl_api(
    stub: RunningStub, out: Path, settings: dict | None = None, **spider_args: str
) -> Crawler:
    """A ``reliefweb`` crawl of the stand-in, in the test process, run to its end."""
    crawler = await crawl(
        "reliefweb",
        {
            "NEWSBOT_RELIEFWEB_API_URL": stub.reliefweb_url,
            "NEWSBOT_RELIEFWEB_API_DELAY": 0,
            "NEWSBOT_OUTPUT_DIR": str(out),
            **(settings or {}),
        },
        **spider_args,
    )
    assert crawler.stats.get_value("finish_reason") == "finished"
    return crawler


def rows(out: Path) -> list[dict]:
    path = out / "articles"
    if not path.exists():
        return []
    return ds.dataset(str(path), format="parquet", partitioning="hive").to_table().to_pylist()


@deferred_f_from_coro_f
async def test_every_page_of_reports_is_stored(stub, tmp_path) -> None:
    out = tmp_path / "out"
    crawler = await crawl_api(
        stub,
        out,
        appname="newsbot-tests",
        limit="2",
        country="Sudan,Yemen",
        since="2026-11-01",
        query="shelling",
    )

    calls = stub.requests("/v2/reports")
    assert [c["body"]["offset"] for c in calls] == [0, 2, 4]  # totalCount 5 in pages of 2
    first = calls[0]
    assert first["method"] == "POST" and first["query"] == {"appname": "newsbot-tests"}
    assert first["body"]["limit"] == 2
    assert first["body"]["query"] == {"value": "shelling"}
    assert first["body"]["filter"]["operator"] == "AND"
    assert {"field": "country.name", "value": ["Sudan", "Yemen"], "operator": "OR"} in first["body"][
        "filter"
    ]["conditions"]
    assert "body-html" in first["body"]["fields"]["include"]

    stored = {r["url"]: r for r in rows(out)}
    # Four reports with text; the map (one word) is rejected by the quality stage, not lost.
    expected = {r["fields"]["url_alias"] for r in REPORTS if r["fields"]["format"][0]["name"] != "Map"}
    assert set(stored) == expected
    assert crawler.stats.get_value("newsbot/clean/quality/too_short") == 1

    sudan = stored["https://reliefweb.int/report/sudan/sudan-humanitarian-update-el-fasher-november-2026"]
    assert sudan["source"] == "reliefweb"
    assert sudan["site_name"] == "UN Office for the Coordination of Humanitarian Affairs"
    assert sudan["discovery"] == "reliefweb"
    assert sudan["discovered_from"] == f"{stub.reliefweb_url}?offset=0&limit=2"  # no appname kept
    assert sudan["published_at"] == datetime(2026, 11, 20, tzinfo=UTC)
    assert sudan["declared_language"] == "en" and sudan["language"] == "en"
    assert sudan["http_status"] == 200
    assert sudan["tags"] == ["Sudan"]
    assert "Protection and Human Rights" in sudan["categories"]
    paragraphs = sudan["body"].split("\n")
    assert paragraphs[0] == "Key highlights"
    assert paragraphs[1].startswith("Renewed shelling of residential neighbourhoods")
    assert sudan["conflict_score"] >= 0.5

    yemen = stored["https://reliefweb.int/report/yemen/yemen-hodeidah-flash-update-3"]
    body = yemen["body"]
    assert "**" not in body and "](" not in body and "## " not in body and "---" not in body
    assert "Armed clashes between the parties to the conflict escalated along the southern front lines of " \
        "Hodeidah Governorate" in body  # fmt: skip
    assert "informal sites near Al Khawkhah" in body
    assert (out / "rejects").exists()


@deferred_f_from_coro_f
async def test_max_pages_stops_paging(stub, tmp_path) -> None:
    await crawl_api(stub, tmp_path / "out", appname="newsbot-tests", limit="2", max_pages="1")
    assert len(stub.requests("/v2/reports")) == 1
    assert len(rows(tmp_path / "out")) == 2


@deferred_f_from_coro_f
async def test_429_is_retried_after_retry_after(stub, tmp_path) -> None:
    out = tmp_path / "out"
    await crawl_api(stub, out, appname="ratelimited-tests", limit="5")
    calls = stub.requests("/v2/reports")
    assert [c["status"] for c in calls] == [429, 200]
    # Retry-After: 3 (the stand-in), longer than the 1 s first backoff it would otherwise wait
    assert calls[1]["time"] - calls[0]["time"] >= 2.9
    assert len(rows(out)) == 4


@deferred_f_from_coro_f
async def test_malformed_page_is_counted_and_the_run_goes_on(stub, tmp_path, caplog) -> None:
    out = tmp_path / "out"
    crawler = await crawl_api(stub, out, appname="malformed-tests", limit="2")
    assert not tracebacks(caplog.records)
    s = crawler.stats.get_stats()
    assert s["newsbot/reliefweb/errors"] == 2  # offsets 2 and 4
    assert [c["body"]["offset"] for c in stub.requests("/v2/reports")] == [0, 2, 4]
    assert len(rows(out)) == 2  # the first page


def test_missing_appname_is_a_clear_error(tmp_path) -> None:
    proc = scrapy_crawl("-s", f"NEWSBOT_OUTPUT_DIR={tmp_path}", spider="reliefweb")
    assert "field 'appname'" in proc.stderr and "NEWSBOT_RELIEFWEB_APPNAME" in proc.stderr
    assert "Crawled" not in proc.stderr


@deferred_f_from_coro_f
async def test_appname_from_the_setting(stub, tmp_path) -> None:
    await crawl_api(
        stub, tmp_path / "out", settings={"NEWSBOT_RELIEFWEB_APPNAME": "from-setting"}, max_pages="1"
    )
    assert stub.requests("/v2/reports")[0]["query"] == {"appname": "from-setting"}


# --- arguments and parsing -----------------------------------------------------------------------------


def test_arguments() -> None:
    a = ReliefWebArgs.parse(
        {"appname": "x", "country": "Sudan, Chad", "theme": "Health", "since": "2026-11-01", "limit": "50"}
    )
    assert a.countries == ("Sudan", "Chad") and a.themes == ("Health",)
    assert a.since == date(2026, 11, 1) and a.until is None and a.limit == 50 and a.max_pages is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "appname"),
        ({"appname": "x", "limit": "1001"}, "limit"),
        ({"appname": "x", "limit": "ten"}, "limit"),
        ({"appname": "x", "max_pages": "0"}, "max_pages"),
        ({"appname": "x", "since": "1 Nov 2026"}, "since"),
        ({"appname": "x", "since": "2026-11-02", "until": "2026-11-01"}, "until"),
        ({"appname": "x", "countries": "Sudan"}, "countries"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, field) -> None:
    with pytest.raises(ConfigError) as err:
        ReliefWebArgs.parse(kwargs)
    assert err.value.field == field


def test_request_body() -> None:
    body = api.request_body(offset=10, limit=5, themes=("Health",), until=date(2026, 11, 30))
    assert body["offset"] == 10 and body["limit"] == 5
    assert body["filter"] == {
        "operator": "AND",
        "conditions": [
            {"field": "theme.name", "value": ["Health"], "operator": "OR"},
            {"field": "date.created", "value": {"to": "2026-11-30T23:59:59+00:00"}},
        ],
    }
    assert "query" not in body


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"totalCount": 5, "data": [', "malformed JSON"),
        (b"[]", "unexpected JSON list"),
        (b'{"error": {"message": "bad"}}', "API error: {'message': 'bad'}"),
        (b'{"data": []}', "no 'data' list or 'totalCount' number"),
    ],
)
def test_unusable_pages_raise(body, why) -> None:
    with pytest.raises(api.ReliefWebError, match=re.escape(why)):
        api.parse_page(body)


def test_markdown_paragraphs() -> None:
    text = (
        "## Title\n\n- one **bold** item\n- two [link](https://x.org)\n\n"
        "A para\ncontinued.\n\n---\n\n![img](a.png)"
    )
    assert api.markdown_paragraphs(text) == ["Title", "one bold item", "two link", "A para continued."]


def test_html_paragraphs() -> None:
    html = "<div><h3>Head</h3><ul><li>One <b>item</b></li></ul><p>Two\n lines</p></div>"
    assert api.html_paragraphs(html) == ["Head", "One item", "Two lines"]
