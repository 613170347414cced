"""Damaged state and dataset files, through real crawls: named, set aside, rebuilt, never fatal.

``DIR/state/`` is a cache of the dataset; a foreign or damaged Parquet file in ``DIR/articles/``
or ``DIR/rejects/`` is one file among thousands. Neither may stop every later crawl.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from newsbot.identify.neardup import NearDuplicateIndex
from tests.data.hostile.harness import FAST, hostile_site, newsbot, newsbot_cmd, read_articles, read_rejects
from tests.data.hostile.harness import ROOT as REPO


def visible(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.parquet") if not p.name.startswith("."))


def test_unreadable_state_is_set_aside_named_and_rebuilt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        first = newsbot("crawl", "--output", str(out), *FAST, "--feeds", f"{base}/feed.xml?n=10")
        assert first.returncode == 0, first.stderr[-3000:]
        state = out / "state"
        templates, neardup = state / "templates.json", state / "neardup.npz"
        assert templates.exists() and neardup.exists()
        # JSON of the wrong shape, and an index cut short (as a crash of another tool leaves it).
        templates.write_text('{"version": 1, "sources": {"127.0.0.1": 7}}', encoding="utf-8")
        truncated = neardup.read_bytes()[: neardup.stat().st_size // 2]
        neardup.write_bytes(truncated)

        again = newsbot("crawl", "--output", str(out), *FAST, "--feeds", f"{base}/feed.xml?n=20")
    assert again.returncode == 0, again.stderr[-3000:]
    for name in ("templates.json", "neardup.npz"):
        assert f"{state / name}" in again.stderr  # the warning names the file
    # Set aside, byte for byte, under DIR/quarantine/ with the same relative path ...
    assert (out / "quarantine" / "state" / "neardup.npz").read_bytes() == truncated
    assert "7" in (out / "quarantine" / "state" / "templates.json").read_text()
    # ... and rebuilt: the index knows every stored record, the new ones linked to the old.
    table = read_articles(out)
    assert table.num_rows == 20
    index = NearDuplicateIndex.load(neardup)
    assert len(index._ids) == 20
    new = [r for r in table.to_pylist() if int(r["url"].rsplit("/", 1)[1]) >= 10]
    assert all(r["duplicate_of"] for r in new)  # the hostile site's articles are near-copies


def test_damaged_and_foreign_dataset_files_are_quarantined_not_fatal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        first = newsbot(
            "crawl", "--output", str(out), *FAST, "-s", "NEWSBOT_BATCH_SIZE=3",
            "--feeds", f"{base}/feed.xml?n=9", "--urls", f"{base}/status/404",
        )  # fmt: skip
        assert first.returncode == 0, first.stderr[-3000:]
        good = visible(out / "articles")
        part = good[0].parent
        kept = read_articles(out).num_rows
        # A file cut short, bytes that are no Parquet at all, and a Parquet file of another program.
        cut = part / "part-cut.parquet"
        cut.write_bytes(good[0].read_bytes()[:-100])
        junk = part / "junk.parquet"
        junk.write_bytes(b"PAR1" + np.random.default_rng(7).bytes(5000))
        foreign = part / "foreign.parquet"
        pq.write_table(pa.table({"id": [1, 2], "url": ["a", "b"]}), foreign)
        rejects_part = visible(out / "rejects")[0].parent
        bad_reject = rejects_part / "bad.parquet"
        bad_reject.write_bytes(b"not parquet")
        planted = {p: p.read_bytes() for p in (cut, junk, foreign, bad_reject)}

        again = newsbot("crawl", "--output", str(out), *FAST, "--feeds", f"{base}/feed.xml?n=12")
    assert again.returncode == 0, again.stderr[-3000:]
    for path, data in planted.items():
        assert str(path) in again.stderr, path  # named
        assert not path.exists()  # out of the readers' way
        moved = out / "quarantine" / path.relative_to(out)
        assert moved.read_bytes() == data  # never deleted, never changed
    # The dataset reads with pyarrow and DuckDB; the run stored the new articles only (the seen
    # memory was built from the good files).
    assert read_articles(out).num_rows == kept + 3 == 12
    n = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchall()[0][0]
    assert n == 12
    assert [r["reason"] for r in read_rejects(out)] == ["http_404"]
    stats = newsbot("stats", "--output", str(out))
    assert stats.returncode == 0, stats.stderr


def test_stats_while_compact_runs(tmp_path: Path) -> None:
    """``newsbot stats`` during ``newsbot compact``: the files it listed are merged and removed
    under it; it lists them again instead of failing."""
    out = tmp_path / "out"
    with hostile_site() as base:
        crawl = newsbot(
            "crawl", "--output", str(out), *FAST, "-s", "NEWSBOT_BATCH_SIZE=1",
            "--feeds", f"{base}/feed.xml?n=40",
        )  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    # Many partitions of many small files, so that compaction takes a while.
    files = visible(out / "articles")
    for day in range(1, 21):
        part = out / "articles" / f"date=2026-10-{day:02d}"
        part.mkdir()
        for f in files:
            shutil.copy(f, part / f.name)
    total = read_articles(out).num_rows
    compact = subprocess.Popen(newsbot_cmd("compact", "--output", str(out)), cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    runs, overlapped = [], 0
    try:
        while compact.poll() is None:
            overlapped += 1
            runs.append(newsbot("stats", "--output", str(out)))
    finally:
        compact.wait(timeout=300)
    assert compact.returncode == 0, compact.stderr
    for r in runs:
        assert r.returncode == 0, r.stderr[-3000:]
        assert "records" in r.stdout
    assert overlapped >= 1
    # compaction happened and lost nothing
    assert len(visible(out / "articles")) < len(files) * 21
    assert read_articles(out).num_rows == total
