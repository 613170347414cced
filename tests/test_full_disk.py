"""A full disk, for real: a 2 MB tmpfs mounted for the test, filled up while a crawl writes into it.

Needs root (or CAP_SYS_ADMIN) to mount; skipped with the reason where mounting is not permitted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsbot.cli import exitcodes
from newsbot.extensions.summary import RESERVE_BYTES
from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles, summaries

N = 200  # about 600 KB of records: more than the disk has left
#: Four records a file (about 12 KB each): the disk fills up after a few files.
SMALL_BATCHES = ["-s", "NEWSBOT_BATCH_SIZE=4", "-s", "NEWSBOT_FLUSH_INTERVAL=0"]


def _mount(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = _mount(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)])
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        _mount(["umount", "-l", str(mnt)])


def fill(mnt: Path, leave: int) -> Path:
    """A ballast file taking all the free space but ``leave`` bytes (written, so allocated)."""
    st = os.statvfs(mnt)
    size = st.f_bavail * st.f_frsize - leave
    ballast = mnt / "ballast"
    with ballast.open("wb") as fh:
        chunk = b"\0" * 65536
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    return ballast


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
        assert _mount(["mount", "-o", "remount,size=64m", str(small_disk)]).returncode == 0
        again = newsbot("crawl", "--output", str(out), *FAST, *SMALL_BATCHES, "--feeds", feed)
        assert again.returncode == 0, again.stderr[-3000:]
        urls = read_articles(out).column("url").to_pylist()
        assert sorted(urls) == sorted(f"{base}/article/{i}" for i in range(N))
        assert summaries(out)[-1]["totals"]["stored"] == N - kept
