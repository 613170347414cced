"""Crash safety with real processes: SIGKILL mid-crawl, SIGTERM/SIGINT, and the run lock.

A slow local site (``tests/data/hostile/server.py`` with a per-article delay) keeps the crawl
busy long enough to kill it in the middle.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.data.hostile.harness import (
    FAST,
    hostile_site,
    newsbot,
    read_articles,
    set_delay,
    start_newsbot,
    summaries,
)

N = 40
SLOW = [*FAST, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "CONCURRENT_REQUESTS=2"]


def visible_files(out: Path) -> list[Path]:
    return [p for p in (out / "articles").rglob("*.parquet") if not p.name.startswith(".")]


def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_sigkill_loses_at_most_the_flush_window_and_the_next_run_catches_up(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        feed = f"{base}/feed.xml?n={N}"
        set_delay(base, 0.25)
        proc = start_newsbot(
            "crawl", "--output", str(out), *SLOW, "-s", "NEWSBOT_FLUSH_INTERVAL=0.5", "--feeds", feed,
            log=tmp_path / "first.log",
        )  # fmt: skip
        try:
            wait_for(lambda: len(visible_files(out)) >= 2)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        # Every file a reader can see is complete, for pyarrow and for DuckDB.
        files = visible_files(out)
        for f in files:
            pq.read_table(f)
        kept = read_articles(out).num_rows
        n_duck = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)"
        ).fetchall()[0][0]
        assert 0 < kept < N and n_duck == kept
        # The killed run's summary says so: it never got a finish reason.
        assert summaries(out)[-1]["finish_reason"] is None

        # The next run takes over the lock of the dead process, fetches what was lost and stores
        # nothing twice.
        set_delay(base, 0)
        again = newsbot("crawl", "--output", str(out), *FAST, "--feeds", feed)
        assert again.returncode == 0, again.stderr[-3000:]
        table = read_articles(out)
        urls = table.column("url").to_pylist()
        assert set(urls) == {f"{base}/article/{i}" for i in range(N)}
        assert len(urls) == len(set(urls)) == N
        assert summaries(out)[-1]["totals"]["stored"] == N - kept

    # compact merges the small files; every record is still there exactly once.
    before = len(visible_files(out))
    done = newsbot("compact", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert len(visible_files(out)) < before
    ids = read_articles(out).column("id").to_pylist()
    assert len(ids) == len(set(ids)) == N


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_stop_cleanly_and_keep_what_was_crawled(tmp_path: Path, signum, code) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        set_delay(base, 0.25)
        proc = start_newsbot(
            "crawl", "--output", str(out), *SLOW,
            "-s", "NEWSBOT_FLUSH_INTERVAL=0.3", "-s", "NEWSBOT_SUMMARY_INTERVAL=0.2",
            "--feeds", f"{base}/feed.xml?n={N}",
            log=tmp_path / "crawl.log",
        )  # fmt: skip
        try:
            runs = out / "runs"
            wait_for(lambda: runs.exists() and any(s["totals"]["stored"] >= 3 for s in summaries(out)))
            # Slower from here: the checks below take seconds on a busy machine, and the crawl must
            # still be running when they end and the signal is sent.
            set_delay(base, 1.0)
            if signum == signal.SIGTERM:
                # While it runs, a second crawl and a compaction refuse the directory at once.
                holder = json.loads((out / ".lock").read_text())
                assert holder["pid"] == proc.pid
                second = newsbot("crawl", "--output", str(out), "--urls", f"{base}/article/1")
                assert second.returncode == 3
                assert f"pid {proc.pid}" in second.stderr
                assert newsbot("compact", "--output", str(out)).returncode == 3
            proc.send_signal(signum)
            assert proc.wait(timeout=30) == code, (tmp_path / "crawl.log").read_text()[-3000:]
        finally:
            if proc.poll() is None:
                proc.kill()
    summary = summaries(out)[-1]
    assert summary["finish_reason"] == "shutdown"
    assert summary["shutdown_signal"] == signal.Signals(signum).name
    stored = read_articles(out).num_rows
    assert 3 <= stored < N
    assert summary["totals"]["stored"] == stored
    assert "Traceback" not in (tmp_path / "crawl.log").read_text()
