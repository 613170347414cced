"""``newsbot backfill --warc`` and ``scrapy crawl warc``: real WARC files, real runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.crawl_helpers import FAST, ROOT
from tests.warc_files import aeb_pages, write_warc, write_warc_responses

PAGES = aeb_pages()
pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/aeb-dev is absent")


def backfill(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "newsbot.cli.main", "backfill", *args, *FAST]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_backfill_stores_the_pages_of_the_date_range_as_warc_records(tmp_path: Path) -> None:
    october = write_warc(tmp_path / "a.warc.gz", PAGES[:6], when=datetime(2023, 10, 5, 12))
    november = write_warc(
        tmp_path / "b.warc", PAGES[6:10], when=datetime(2023, 11, 5, 12), gzip_records=False
    )
    out = tmp_path / "out"
    proc = backfill("--warc", str(october), str(november), "--to", "2023-10-31", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = duckdb.sql(
        f"SELECT url, discovery, fetched_at FROM read_parquet('{out}/articles/**/*.parquet') ORDER BY url"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(u for u, _ in PAGES[:6])
    assert {r[1] for r in rows} == {"warc"}
    assert {r[2].date().isoformat() for r in rows} == {"2023-10-05"}


def test_a_missing_file_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    proc = backfill("--warc", str(tmp_path / "nope.warc.gz"), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "nope.warc.gz: no such file" in proc.stderr
    assert not (tmp_path / "out" / "articles").exists()


HTML = [("Content-Type", "text/html; charset=utf-8")]


def with_html_tag(html: bytes, tag: bytes) -> bytes:
    """The page with its ``<html ...>`` start tag replaced by ``tag``."""
    return re.sub(rb"<html\b[^>]*>", tag, html, count=1, flags=re.IGNORECASE)


def test_languages_filter_on_the_declared_language_before_extraction(tmp_path: Path) -> None:
    (u_de, de), (u_en, en), (u_fr, fr), (u_none, none), (u_pt, pt) = PAGES[:5]
    warc = tmp_path / "mixed.warc.gz"
    write_warc_responses(
        warc,
        [
            (u_de, "200 OK", HTML, with_html_tag(de, b'<html lang="de-AT">')),
            # the page's own lang wins over a header declaring another language
            (
                u_en,
                "200 OK",
                [*HTML, ("Content-Language", "fr")],
                with_html_tag(en, b"<html class=x lang='en'>"),
            ),
            # no lang attribute: the header's languages decide
            (u_fr, "200 OK", [*HTML, ("Content-Language", "fr, it")], with_html_tag(fr, b"<html>")),
            # nothing declared: goes on (language detection after extraction decides)
            (u_none, "200 OK", HTML, with_html_tag(none, b"<HTML>")),
            (u_pt, "200 OK", HTML, with_html_tag(pt, b'<html xml:lang="pt-BR">')),
        ],
    )
    out = tmp_path / "out"
    proc = backfill("--warc", str(warc), "--languages", "de", "en", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    stored = {
        r[0] for r in duckdb.sql(f"SELECT url FROM read_parquet('{out}/articles/**/*.parquet')").fetchall()
    }
    assert {u_de, u_en, u_none} <= stored
    assert not stored & {u_fr, u_pt}
    # left out before extraction: counted, never a reject of the language stage
    (summary,) = re.findall(r"; summary (\S+\.json)$", proc.stderr, re.M)  # the stats dump is DEBUG
    counters = json.loads(Path(summary).read_text(encoding="utf-8"))["counters"]
    assert counters["newsbot/warc/skipped_language"] == 2
    rejected = set()
    if (out / "rejects").exists():
        rejected = {
            r[0] for r in duckdb.sql(f"SELECT url FROM read_parquet('{out}/rejects/**/*.parquet')").fetchall()
        }
    assert not rejected & {u_fr, u_pt}


def test_a_bad_language_code_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", PAGES[:1])
    proc = backfill("--warc", str(warc), "--languages", "german", "--output", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "languages" in proc.stderr and "'german' is not an ISO 639-1 code" in proc.stderr
    assert not (tmp_path / "out" / "articles").exists()
