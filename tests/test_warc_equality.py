"""A WARC backfill stores the records a crawl of the same pages stores.

The aeb-dev pages are served by a real HTTP server on loopback and crawled by the real ``news``
spider (``-a urls=...``); the very responses the server sent (status line, headers, body) are
packed into a WARC file with warcio, and ``newsbot backfill --warc`` reads it into another
directory. Both datasets are read back with pyarrow and compared column by column: only the
columns that describe the fetch (when, by which run, found how) may differ.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.dataset as ds
import pytest

from tests.crawl_helpers import scrapy_crawl
from tests.test_warc_backfill import backfill
from tests.warc_files import aeb_pages, write_warc_responses

PAGES = aeb_pages()
pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/aeb-dev is absent")

#: Columns about the fetch rather than the page: the crawl and the backfill differ there by design
#: (``date`` is the partition, the fetch day).
FETCH_COLUMNS = {
    "date", "fetched_at", "seen_at", "run_id", "discovery", "discovered_from", "discovered_url",
    "warc_file", "warc_offset",  # where the raw page is kept: the crawl kept none
}  # fmt: skip


class Pages(ThreadingHTTPServer):
    """Serves ``pages`` (path -> html) and remembers the exact response sent for each path."""

    daemon_threads = True

    def __init__(self, pages: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = pages
        self.sent: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: Pages

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        body = self.server.pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Last-Modified", "Tue, 03 Oct 2023 08:00:00 GMT"),
        ]
        self.send_response_only(200)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        with self.server.lock:
            self.server.sent[self.path] = ("200 OK", headers, body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Pages]:
    # Each page at its own path, so that URLs (hence ids) stay distinct as on the sites.
    pages = {}
    for n, (url, html) in enumerate(PAGES):
        path = urlsplit(url).path or "/"
        pages[f"/{n:03d}{path}"] = html
    srv = Pages(pages)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def table(out: Path) -> dict[str, dict[str, Any]]:
    rows = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table().to_pylist()
    return {r["url"]: r for r in rows}


def rejects(out: Path) -> set[tuple[str, str]]:
    if not (out / "rejects").exists():
        return set()
    rows = ds.dataset(str(out / "rejects"), format="parquet", partitioning="hive").to_table().to_pylist()
    return {(r["url"], r["reason"]) for r in rows}


def test_backfilled_records_equal_the_crawled_ones(server: Pages, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [base + p for p in server.pages]
    crawled_dir = tmp_path / "crawled"
    proc = scrapy_crawl(
        "-a", "urls=" + ",".join(urls), "-s", f"NEWSBOT_OUTPUT_DIR={crawled_dir}", timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(server.sent) == set(server.pages)

    warc = write_warc_responses(
        tmp_path / "crawl.warc.gz",
        [(base + p, *server.sent[p]) for p in server.pages],
        when=datetime(2023, 10, 3, 9, tzinfo=UTC),
    )
    backfilled_dir = tmp_path / "backfilled"
    proc = backfill("--warc", str(warc), "--output", str(backfilled_dir))
    assert proc.returncode == 0, proc.stderr[-3000:]

    crawled, backfilled = table(crawled_dir), table(backfilled_dir)
    # most pages are articles; any other is rejected alike by both, for the same reason
    assert len(crawled) >= len(PAGES) // 2
    assert set(backfilled) == set(crawled)
    assert rejects(backfilled_dir) == rejects(crawled_dir)
    assert {r["discovery"] for r in backfilled.values()} == {"warc"}
    columns = set(next(iter(crawled.values()))) - FETCH_COLUMNS
    assert {"id", "body", "content_hash", "title", "canonical_url", "duplicate_of"} <= columns
    for url, row in crawled.items():
        other = backfilled[url]
        differing = sorted(c for c in columns if row[c] != other.get(c))
        assert not differing, (url, {c: (row[c], other.get(c)) for c in differing})
