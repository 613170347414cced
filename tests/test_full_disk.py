"""A full disk, for real: a 2 MB tmpfs mounted for the test, filled up while a crawl writes into it.

Needs root (or CAP_SYS_ADMIN) to mount; skipped with the reason where mounting is not permitted.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from newsbot.cli import exitcodes
from newsbot.extensions.summary import RESERVE_BYTES
from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles, summaries
from tests.disks import fill, remount

N = 200  # about 600 KB of records: more than the disk has left
#: Four records a file (about 12 KB each): the disk fills up after a few files.
SMALL_BATCHES = ["-s", "NEWSBOT_BATCH_SIZE=4", "-s", "NEWSBOT_FLUSH_INTERVAL=0"]


def test_a_full_disk_stops_the_run_counts_only_rows_on_disk_and_the_next_run_fetches_the_rest(
    small_disk: Path,
) -> None:
    out = small_disk / "out"
    # Room for the summary's reserve and about five files of records.
    ballast = fill(small_disk, RESERVE_BYTES + 64 * 1024)
    with hostile_site() as base:
        feed = f"{base}/feed.xml?n={N}"
        full = newsbot("crawl", "--output", str(out), *FAST, *SMALL_BATCHES, "--feeds", feed)
        assert full.returncode == exitcodes.WRITE_FAILED, full.stderr[-3000:]
        assert "No space left on device" in full.stderr
        files = [p for p in (out / "articles").rglob("*.parquet") if not p.name.startswith(".")]
        for f in files:
            pq.read_table(f)  # every visible file is complete
        kept = read_articles(out).num_rows
        assert 0 < kept < N
        summary = summaries(out)[-1]
        assert summary["finish_reason"] == "write_failed"
        assert "No space left on device" in summary["write_failed"]
        # Before: every record handed to the store was counted, written or not.
        assert summary["totals"]["stored"] == kept
        assert sum(s["stored"] for s in summary["sources"].values()) == kept
        assert f"{kept} stored" in full.stderr

        # Room again: the next run fetches and stores exactly the records that were not written
        # (they were not remembered as seen).
        ballast.unlink()
        remount(small_disk, "64m")
        again = newsbot("crawl", "--output", str(out), *FAST, *SMALL_BATCHES, "--feeds", feed)
        assert again.returncode == 0, again.stderr[-3000:]
        urls = read_articles(out).column("url").to_pylist()
        assert sorted(urls) == sorted(f"{base}/article/{i}" for i in range(N))
        assert summaries(out)[-1]["totals"]["stored"] == N - kept
