"""``NEWSBOT_WARC_ENABLED``: real crawls of a loopback site keep every article and listing response
in WARC files under ``DIR/warc/``, and each dataset row names its raw page (``warc_file``,
``warc_offset``). The files are read back with warcio (digests checked) and its command line."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles, set_delay, start_newsbot
from tests.data.hostile.server import article_html
from tests.warc_check import check_layout, header, record_at, records

WARC_ON = ["-s", "NEWSBOT_WARC_ENABLED=True"]
WARCIO = Path(sys.executable).with_name("warcio")


def warc_files(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def hidden(out: Path) -> list[Path]:
    return [p for p in (out / "warc").iterdir() if p.name.startswith(".")]


def page_number(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def assert_rows_name_their_responses(out: Path) -> int:
    """Every row's (warc_file, warc_offset) opens at the response record of the row's URL, whose
    payload is the page the site served (decoded); returns the number of rows."""
    rows = read_articles(out).select(["url", "warc_file", "warc_offset"]).to_pylist()
    assert rows
    for row in rows:
        assert row["warc_file"].startswith("warc/") and row["warc_file"].endswith(".warc.gz")
        with open(out / row["warc_file"], "rb") as fh:
            rec = record_at(fh, row["warc_offset"])
        assert rec.type == "response"
        assert rec.headers["WARC-Target-URI"] == row["url"]
        assert rec.http_status == 200
        assert rec.payload == article_html(page_number(row["url"]))
    return len(rows)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, str]:
    """One crawl with WARC kept: a feed of gzip-encoded articles and two plain article URLs."""
    out = tmp_path_factory.mktemp("warc") / "out"
    with hostile_site() as base:
        proc = newsbot(
            "crawl", "--output", str(out), *FAST, *WARC_ON,
            "--feeds", f"{base}/feed.xml?n=8&gz=1", "--urls", f"{base}/article/20", f"{base}/article/21",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, base


def test_the_files_hold_warcinfo_then_response_and_request_pairs(crawled) -> None:
    out, base = crawled
    files = warc_files(out)
    assert files and not hidden(out)
    kinds: dict[str, set[str]] = {"article": set(), "listing": set()}
    for f in files:
        with open(f, "rb") as fh:
            for response in check_layout(records(fh), f.name):
                kinds[response.headers["WARC-Newsbot-Kind"]].add(response.headers["WARC-Target-URI"])
    articles = {f"{base}/gz/article/{i}" for i in range(8)} | {f"{base}/article/20", f"{base}/article/21"}
    assert kinds["article"] == articles
    assert kinds["listing"] == {f"{base}/feed.xml?n=8&gz=1"}


def test_every_row_seeks_to_the_response_of_its_url(crawled) -> None:
    out, _ = crawled
    assert assert_rows_name_their_responses(out) == 10


def test_a_decoded_body_is_stored_with_headers_that_say_so(crawled) -> None:
    """The site sent gzip; Scrapy decoded it: the record must not claim gzip for plain HTML."""
    out, base = crawled
    row = next(r for r in read_articles(out).to_pylist() if r["url"] == f"{base}/gz/article/3")
    with open(out / row["warc_file"], "rb") as fh:
        rec = record_at(fh, row["warc_offset"])
    assert rec.payload == article_html(3)
    assert header(rec, "Content-Encoding") is None
    assert header(rec, "Content-Length") == str(len(article_html(3)))
    assert header(rec, "Content-Type") == "text/html; charset=utf-8"


def test_warcio_check_and_index_accept_the_files(crawled) -> None:
    out, _ = crawled
    files = [str(f) for f in warc_files(out)]
    check = subprocess.run([str(WARCIO), "check", "-v", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    index = subprocess.run([str(WARCIO), "index", *files], capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    assert index.stdout.count('"warc-type": "response"') == 11  # 10 articles and the feed


def test_rotation_at_a_small_size_makes_several_complete_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        proc = newsbot(
            "crawl", "--output", str(out), *FAST, *WARC_ON, "-s", "NEWSBOT_WARC_MAX_SIZE=5000",
            "--feeds", f"{base}/feed.xml?n=12",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = warc_files(out)
    assert len(files) >= 4 and not hidden(out)
    responses = 0
    for f in files:
        with open(f, "rb") as fh:
            responses += len(check_layout(records(fh), f.name))
    # a file is sealed once it has reached the size: every one but the last is at least that big
    assert all(f.stat().st_size >= 5000 for f in files[:-1])
    assert responses == 13
    assert assert_rows_name_their_responses(out) == 12


def test_a_kill_mid_crawl_leaves_no_partial_warc_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    n = 40
    with hostile_site() as base:
        feed = f"{base}/feed.xml?n={n}"
        set_delay(base, 0.25)
        slow = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "CONCURRENT_REQUESTS=2"]
        proc = start_newsbot(
            "crawl", "--output", str(out), *FAST, *slow, *WARC_ON, "-s", "NEWSBOT_FLUSH_INTERVAL=0.5",
            "--feeds", feed, log=tmp_path / "first.log",
        )  # fmt: skip
        try:
            # killed with dataset files written and a WARC file open
            wait_for(lambda: len(list((out / "articles").rglob("*.parquet"))) >= 2 and bool(hidden(out)))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        assert hidden(out), "the open WARC file stays hidden"
        for f in warc_files(out):  # what a reader sees is complete
            with open(f, "rb") as fh:
                check_layout(records(fh), f.name)
        for f in (out / "articles").rglob("*.parquet"):
            pq.read_table(f)
        # every file a dataset file names was published before it
        kept = assert_rows_name_their_responses(out)
        assert 0 < kept < n

        set_delay(base, 0)
        again = newsbot("crawl", "--output", str(out), *FAST, *WARC_ON, "--feeds", feed)
        assert again.returncode == 0, again.stderr[-3000:]
    assert not hidden(out), "the next run removes the dead run's partial file"
    assert assert_rows_name_their_responses(out) == n


def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")
