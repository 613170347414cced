"""``newsbot backfill --warc`` and ``scrapy crawl warc``: real WARC files, real runs."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.crawl_helpers import FAST, ROOT
from tests.warc_files import aeb_pages, write_warc

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
